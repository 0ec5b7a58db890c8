// Panel figures: `npm run bench:panel`.
//  1. Production bundle size, gzip, per chunk: what the login page loads (entry JS + CSS) vs the
//     lazy chunks (the super-admin console, each tenant page).
//  2. Time to interactive of a tenant's login page in Debian's Chromium: navigation start until the
//     branded form (company name filled in, submit button enabled) is on screen. The anchor, in the
//     same run and interleaved load by load, is a static HTML login form with no JavaScript served
//     by a bare node:http server on the same machine: the floor any page can reach here.
import { readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { serve } from "@hono/node-server";
import pino from "pino";
import type { Browser } from "playwright-core";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { PANEL_DIST } from "../apps/api/src/static-panel.ts";
import { ensureFreshPanelBuild, launchChromium } from "../tests/browser/harness.ts";
import { httpRequest } from "../tests/harness.ts";
import { benchConfig, benchDatabase, fmt, median } from "./lib.ts";

const LOADS = Number(process.env.BENCH_LOADS ?? 9);
const ROUNDS = 3;
const kb = (n: number) => `${fmt(n / 1024, 1)} kB`;

// ---- 1. bundle -------------------------------------------------------------------------------
ensureFreshPanelBuild();
const index = readFileSync(path.join(PANEL_DIST, "index.html"), "utf8");
const initial = new Set([...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] ?? ""));
const assets = readdirSync(path.join(PANEL_DIST, "assets")).filter((f) => /\.(js|css)$/.test(f));
const gz = (f: string) => gzipSync(readFileSync(path.join(PANEL_DIST, f))).length;
const rows = assets.map((f) => ({
  file: f,
  raw: statSync(path.join(PANEL_DIST, "assets", f)).size,
  gzip: gz(path.join("assets", f)),
  initial: initial.has(`assets/${f}`),
}));
rows.sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzip - a.gzip);
const sum = (xs: typeof rows, k: "raw" | "gzip") => xs.reduce((s, r) => s + r[k], 0);
const first = rows.filter((r) => r.initial);
console.log("\nBundle (vite build, gzip -6 of each file):");
console.log("| chunk | loaded by the login page | raw | gzip |\n|---|---|---|---|");
for (const r of rows) console.log(`| ${r.file} | ${r.initial ? "yes" : "lazy"} | ${kb(r.raw)} | ${kb(r.gzip)} |`);
console.log(
  `| **login page total (index.html + entry JS/CSS)** | | ${kb(sum(first, "raw") + index.length)} | ${kb(sum(first, "gzip") + gzipSync(index).length)} |`,
);
console.log(`| all chunks | | ${kb(sum(rows, "raw"))} | ${kb(sum(rows, "gzip"))} |`);

// ---- 2. time to interactive --------------------------------------------------------------------
const bench = await benchDatabase("proxpanel_bench_panel");
const config = benchConfig(bench.url, { ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
const runtime = await bootstrap(config, { logger: pino({ level: "silent" }) });
const app = createApp(runtime.deps);
const api = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
});
const apiPort = (api.address() as AddressInfo).port;
const slug = `panelbench${Date.now().toString(36)}`;
const signup = await httpRequest(apiPort, "POST", "/api/signup", {
  host: config.BASE_DOMAIN,
  body: {
    slug,
    companyName: "Bench ISP",
    plan: "trial",
    adminEmail: `owner@${slug}.example`,
    adminPassword: "correct-horse-battery",
  },
});
if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);

const STATIC = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>
<form aria-label="Sign in"><h1 id="company">Bench ISP</h1><label>E-mail <input type="email"></label>
<label>Password <input type="password"></label><button type="submit">Sign in</button></form></body></html>`;
const anchor = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" });
  res.end(STATIC);
});
await new Promise<void>((r) => anchor.listen(0, "127.0.0.1", () => r()));
const anchorPort = (anchor.address() as AddressInfo).port;

// The same readiness test for both pages: a named form whose submit button is enabled.
// A function, not a string: the panel's CSP forbids eval, which string predicates need. The
// repository's tsconfig has no DOM library, hence the minimal shape of `document`.
interface MiniDoc {
  querySelector(sel: string): { disabled?: boolean; textContent: string | null } | null;
}
const READY = () => {
  const doc = (globalThis as unknown as { document: MiniDoc }).document;
  const b = doc.querySelector('form[aria-label="Sign in"] button[type=submit]');
  const name = doc.querySelector("h1")?.textContent ?? "";
  return !!b && !b.disabled && name.trim().length > 0;
};

async function tti(browser: Browser, url: string): Promise<number> {
  // A fresh context per load: empty HTTP cache, as a first visit.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(READY, undefined, { polling: "raf", timeout: 30_000 });
  const ms = (await page.evaluate("performance.now()")) as number;
  await context.close();
  return ms;
}

const host = `${slug}.${config.BASE_DOMAIN}`;
const ours: number[] = [];
const floor: number[] = [];
const panelUrl = `http://${host}:${apiPort}/`;
const anchorUrl = `http://127.0.0.1:${anchorPort}/`;
// *.bench.test reaches the API through Chromium's host-resolver rules, not DNS.
const rulesBrowser = await launchChromium(config.BASE_DOMAIN);
await tti(rulesBrowser, panelUrl); // warm the API's caches and the resolver, not measured
const roundMedians: { ours: number; anchor: number }[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  const o: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < LOADS; i += 1) {
    a.push(await tti(rulesBrowser, anchorUrl));
    o.push(await tti(rulesBrowser, panelUrl));
  }
  ours.push(...o);
  floor.push(...a);
  roundMedians.push({ ours: median(o), anchor: median(a) });
}
await rulesBrowser.close();

console.log(`\nLogin page time to interactive in Chromium (${ROUNDS} rounds × ${LOADS} loads, fresh context each):`);
console.log("| round | panel login (ms) | static HTML form anchor (ms) | ratio |\n|---|---|---|---|");
roundMedians.forEach((r, i) => {
  console.log(`| ${i + 1} | ${fmt(r.ours)} | ${fmt(r.anchor)} | ${fmt(r.ours / r.anchor, 2)}× |`);
});
const mo = median(roundMedians.map((r) => r.ours));
const ma = median(roundMedians.map((r) => r.anchor));
console.log(`| median of rounds | ${fmt(mo)} | ${fmt(ma)} | ${fmt(mo / ma, 2)}× |`);
console.log(
  `\nload average while measuring: ${os
    .loadavg()
    .map((l) => fmt(l, 2))
    .join(" ")} (${os.cpus().length} cores)`,
);

await new Promise<void>((r) => anchor.close(() => r()));
api.close();
await runtime.close();
await bench.stop();
process.exit(0);
