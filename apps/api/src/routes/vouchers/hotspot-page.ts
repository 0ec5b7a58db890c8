import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/**
 * js-md5 (a maintained MD5 that hashes bytes, not only UTF-8 text) is inlined into the page: the
 * hotspot client has no Internet before it logs in, so the page may load nothing from elsewhere.
 * MikroTik's CHAP needs MD5 over raw bytes (the challenge is binary), which the Web Crypto API
 * does not offer.
 */
const MD5_JS = readFileSync(createRequire(import.meta.url).resolve("js-md5/build/md5.min.js"), "utf8");

export interface HotspotParams {
  linkLoginOnly: string;
  linkOrig: string;
  chapId: string;
  chapChallenge: string;
  error: string;
  mac: string;
  ip: string;
  /** Code given in the address (a scanned card): filled in. */
  code: string;
}

export interface HotspotPageInput {
  params: HotspotParams;
  company: string;
  primaryColor: string;
  logoUrl: string | null;
  /** "code": the code is also the password; "empty": an empty password. */
  passwordMode: "code" | "empty";
  /** voucher: one code field; account: username and password. */
  mode: "voucher" | "account";
  nonce: string;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

/** JSON inside a <script> element: "<" escaped so no value can close the element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028|\u2029/g, "");

/**
 * The router's address to post the login to. Only http(s): anything else (javascript:, data:) is
 * refused rather than put in a form's action.
 */
export function safeLoginUrl(raw: string): string | null {
  try {
    const u = new URL(raw);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

/**
 * MikroTik's login.html flow, served by the tenant: the router's own login.html sends the client
 * here with $(link-login-only), $(chap-id), $(chap-challenge) (octal escapes such as "\\375"),
 * $(link-orig), $(error), $(mac), $(ip). The page posts `username`, `password` (for CHAP the hex
 * MD5(chap-id + password + chap-challenge), as the router's own md5.js does), `dst` and `popup`
 * to link-login-only; without a challenge (PAP), the password goes as typed.
 */
export function hotspotPage(p: HotspotPageInput): string {
  const action = safeLoginUrl(p.params.linkLoginOnly);
  const data = {
    action,
    chapId: p.params.chapId,
    chapChallenge: p.params.chapChallenge,
    dst: p.params.linkOrig,
    passwordMode: p.passwordMode,
    mode: p.mode,
  };
  const voucher = p.mode === "voucher";
  const fields = voucher
    ? `<label for="code">Voucher code</label>
      <input id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required value="${esc(p.params.code)}">`
    : `<label for="username">Username</label>
      <input id="username" name="username" autocomplete="username" autocapitalize="none" required>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.company)} Wi-Fi</title>
<style nonce="${p.nonce}">
  *{box-sizing:border-box}
  body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
  main{max-width:420px;margin:0 auto;padding:24px 16px}
  header{background:${p.primaryColor};color:#fff;border-radius:12px 12px 0 0;padding:20px;text-align:center}
  header img{max-height:48px;max-width:100%;display:block;margin:0 auto 8px}
  header h1{margin:0;font-size:1.25rem}
  form{background:#fff;border-radius:0 0 12px 12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
  label{display:block;font-weight:600;margin:12px 0 6px}
  input{width:100%;font-size:1.125rem;padding:12px;border:1px solid #d1d5db;border-radius:8px}
  #code{font-family:ui-monospace,Menlo,Consolas,monospace;letter-spacing:.08em;text-transform:none}
  button{width:100%;margin-top:18px;padding:14px;font-size:1.125rem;font-weight:600;border:0;border-radius:8px;background:${p.primaryColor};color:#fff}
  .error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:10px;margin-bottom:8px}
  .hint{color:#6b7280;font-size:.875rem;margin-top:12px;text-align:center}
</style>
</head>
<body>
<main>
  <header>
    ${p.logoUrl ? `<img src="${esc(p.logoUrl)}" alt="">` : ""}
    <h1>${esc(p.company)}</h1>
  </header>
  <form id="login" novalidate>
    ${p.params.error ? `<p class="error" role="alert">${esc(p.params.error)}</p>` : ""}
    ${action ? "" : `<p class="error" role="alert">Open this page from the Wi-Fi hotspot to log in.</p>`}
    ${fields}
    <button type="submit"${action ? "" : " disabled"}>Connect</button>
    <p class="hint">${voucher ? "Enter the code printed on your voucher." : "Log in with your account."}</p>
  </form>
  <form id="sendin" method="post" hidden>
    <input type="hidden" name="username">
    <input type="hidden" name="password">
    <input type="hidden" name="dst">
    <input type="hidden" name="popup" value="true">
  </form>
</main>
<script nonce="${p.nonce}">${MD5_JS}</script>
<script nonce="${p.nonce}">
(function () {
  var cfg = ${scriptJson(data)};
  // MikroTik writes chap-id and chap-challenge as octal escapes ("\\\\375\\\\012..."): back to bytes.
  function bytesOf(s) {
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var m = /^\\\\([0-7]{3})/.exec(s.slice(i));
      if (m) { out.push(parseInt(m[1], 8) & 255); i += 3; } else { out.push(s.charCodeAt(i) & 255); }
    }
    return out;
  }
  function utf8(s) { return Array.prototype.slice.call(new TextEncoder().encode(s)); }
  document.getElementById("login").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!cfg.action) return;
    var username, password;
    if (cfg.mode === "voucher") {
      username = document.getElementById("code").value.trim();
      password = cfg.passwordMode === "code" ? username : "";
    } else {
      username = document.getElementById("username").value.trim();
      password = document.getElementById("password").value;
    }
    if (!username) return;
    var f = document.getElementById("sendin");
    f.action = cfg.action;
    f.elements.username.value = username;
    f.elements.password.value = cfg.chapChallenge
      ? md5(new Uint8Array(bytesOf(cfg.chapId).concat(utf8(password), bytesOf(cfg.chapChallenge))))
      : password;
    f.elements.dst.value = cfg.dst;
    f.submit();
  });
})();
</script>
</body>
</html>`;
}
