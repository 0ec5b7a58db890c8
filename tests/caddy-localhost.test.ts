import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Caddy, startCaddy } from "./caddy-harness.ts";
import { type Stack, startStack, uniqueSlug } from "./harness.ts";

// `START_TLS=true npm start` with the default BASE_DOMAIN=localhost: a tenant's subdomain must
// verify against the printed local CA (issue 20 #7: a `*.localhost` wildcard never does).

let stack: Stack;
let caddy: Caddy;
let panelDir: string;

beforeAll(async () => {
  panelDir = await mkdtemp(path.join(tmpdir(), "proxpanel-panel-"));
  await writeFile(path.join(panelDir, "index.html"), "<!doctype html><title>ProxPanel</title>");
  stack = await startStack({ BASE_DOMAIN: "localhost", TRUSTED_PROXIES: "127.0.0.1" });
  caddy = await startCaddy({ baseDomain: "localhost", apiPort: stack.port, panelDist: panelDir });
});
afterAll(async () => {
  await caddy?.close();
  await stack?.close();
  if (panelDir) await rm(panelDir, { recursive: true, force: true });
});

function handshake(servername: string, ca: string): Promise<{ ok: boolean; names?: string; error?: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: "127.0.0.1", port: caddy.httpsPort, servername, ca }, () => {
      const names = s.getPeerCertificate().subjectaltname;
      s.end();
      resolve({ ok: true, names });
    });
    s.on("error", (err) => resolve({ ok: false, error: err.message }));
  });
}

it("gives <slug>.localhost a certificate that verifies against the local CA, and none to unknown names", async () => {
  const slug = uniqueSlug("lh");
  const signup = await stack.request("POST", "/api/signup", {
    host: "localhost",
    body: {
      slug,
      companyName: `Company ${slug}`,
      plan: "trial",
      adminEmail: `owner@${slug}.example`,
      adminPassword: "correct-horse-battery",
    },
  });
  expect(signup.status).toBe(201);
  const ca = await caddy.rootCa();
  expect(await handshake("localhost", ca)).toMatchObject({ ok: true });
  expect(await handshake(`${slug}.localhost`, ca)).toEqual({ ok: true, names: `DNS:${slug}.localhost` });
  expect((await handshake(`nobody-${slug}.localhost`, ca)).ok).toBe(false);
});
