import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { tenants } from "@proxpanel/db";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendStarts } from "./accounting-nas.ts";
import { type Caddy, startCaddy } from "./caddy-harness.ts";
import {
  BASE,
  httpRequest,
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
  uniqueSlug,
} from "./harness.ts";
import { type AppProcess, apiPort, appEnv, scrape, spawnApp, total } from "./processes.ts";

/**
 * Issue 18, "more than one of each process": two API processes behind one Caddy (two upstreams,
 * round robin) and two RADIUS daemons, all sharing one Redis and one database, as a NAS with a
 * primary and a secondary RADIUS server sees them. Real child processes (the apps' entry points),
 * real Caddy, radclient as the NAS.
 */

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

interface EdgeResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the test reads fields of the JSON answer and asserts on them
  body: any;
}

/** One HTTPS request to Caddy naming `host` by SNI and Host, over a fresh connection. */
function viaCaddy(port: number, host: string, reqPath: string, token?: string, method = "GET"): Promise<EdgeResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        servername: host,
        path: reqPath,
        method,
        rejectUnauthorized: false,
        agent: false,
        headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (a bare 502 from Caddy): keep the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("two API instances and two RADIUS daemons sharing Redis and the database", { timeout: 300_000 }, () => {
  let stack: Stack;
  let tenant: TestTenant;
  let schema: string;
  let subscriberId: string;
  let op: Awaited<ReturnType<typeof superAdminSession>>;
  let caddy: Caddy;
  const apis: AppProcess[] = [];
  const apiPorts: number[] = [];
  const apiMetrics: number[] = [];
  const daemons: AppProcess[] = [];
  const daemonPorts: { authPort: number; acctPort: number }[] = [];
  const dirs: string[] = [];
  const identifier = uniqueSlug("multi-nas");
  const secret = "multi-nas-secret";

  beforeAll(async () => {
    requireRadclient();
    // The in-process stack is only a fixture tool (tenant, plan, subscriber, NAS).
    stack = await startStack({ REDIS_URL });
    tenant = await signupTenant(stack);
    op = await superAdminSession(stack);
    const call = async (p: string, body: unknown) => {
      const res = await stack.request("POST", p, { host: tenant.host, token: tenant.token, body });
      if (res.status !== 201) throw new Error(`${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const { plan } = await call("/api/plans", { name: "Basic", downloadKbps: 8000, uploadKbps: 2000 });
    subscriberId = (await call("/api/subscribers", { username: "ann", password: "ann-password", planId: plan.id }))
      .subscriber.id;
    await call("/api/nas", { name: "Multi", ipAddress: "127.0.0.1", identifier, secret });
    const [row] = await stack.runtime.deps.db
      .select({ schema: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, tenant.id));
    schema = row?.schema ?? "";

    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), `proxpanel-multi-${i}-`));
      dirs.push(dataDir);
      const api = spawnApp("api", appEnv({ DATA_DIR: dataDir, REDIS_URL, TRUSTED_PROXIES: "127.0.0.1" }));
      apis.push(api);
      const daemon = spawnApp(
        "radius",
        appEnv({ REDIS_URL, RADIUS_AUTH_PORT: "0", RADIUS_ACCT_PORT: "0", RADIUS_HOST: "127.0.0.1" }),
      );
      daemons.push(daemon);
    }
    for (const api of apis) {
      apiPorts.push(await apiPort(api));
      apiMetrics.push(Number((await api.logged("metrics listening")).port));
    }
    for (const d of daemons) {
      daemonPorts.push((await d.logged("radius listening")) as { authPort: number; acctPort: number });
    }
    const panelDir = mkdtempSync(path.join(tmpdir(), "proxpanel-multi-panel-"));
    dirs.push(panelDir);
    caddy = await startCaddy({ baseDomain: BASE, apiPort: apiPorts, panelDist: panelDir });
  });

  afterAll(async () => {
    await caddy?.close();
    await Promise.all([...apis, ...daemons].map((p) => p.stop("SIGKILL")));
    await stack?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const served = async (metricsPort: number) =>
    total(await scrape(metricsPort), "proxpanel_http_requests_total", {
      route: "/api/subscribers",
      method: "GET",
      tenant: tenant.id,
    });

  it("Caddy spreads a tenant's requests over both API instances", async () => {
    const before = await Promise.all(apiMetrics.map(served));
    const n = 40;
    for (let i = 0; i < n; i++) {
      const res = await viaCaddy(caddy.httpsPort, tenant.host, "/api/subscribers", tenant.token);
      expect(res.status).toBe(200);
      expect(res.body.items.map((s: { username: string }) => s.username)).toEqual(["ann"]);
    }
    const after = await Promise.all(apiMetrics.map(served));
    const each = after.map((a, i) => a - (before[i] ?? 0));
    // Round robin: both served some, and together exactly the requests sent.
    expect(each.every((c) => c > 0)).toBe(true);
    expect(each.reduce((x, y) => x + y, 0)).toBe(n);
  });

  it("a suspension made through one API instance reaches the other's cache (Redis event), not its TTL", async () => {
    const [one, two] = apiPorts as [number, number];
    // Both caches hold the active tenant now (TTL 60 s): only the event can change the answer below.
    for (const port of apiPorts) {
      expect((await httpRequest(port, "GET", "/api/branding", { host: tenant.host })).status).toBe(200);
    }
    const suspend = await httpRequest(one, "POST", `/api/saas/tenants/${tenant.id}/suspend`, { token: op.token });
    expect(suspend.status).toBe(200);
    await expect
      .poll(async () => (await httpRequest(two, "GET", "/api/branding", { host: tenant.host })).status, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(403);
    // Through the edge, whichever instance answers, the tenant is suspended.
    for (let i = 0; i < 6; i++) {
      expect((await viaCaddy(caddy.httpsPort, tenant.host, "/api/branding")).status).toBe(403);
    }

    expect((await httpRequest(two, "POST", `/api/saas/tenants/${tenant.id}/resume`, { token: op.token })).status).toBe(
      200,
    );
    await expect
      .poll(async () => (await httpRequest(one, "GET", "/api/branding", { host: tenant.host })).status, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(200);
  });

  const authAnn = (port: number) =>
    radclient({
      port,
      type: "auth",
      secret,
      packets: [
        `NAS-Identifier = "${identifier}"\nUser-Name = "ann"\nUser-Password = "ann-password"\nMessage-Authenticator = 0x00`,
      ],
    }).then((r) => r.replies[0]?.code);

  it("a subscriber disabled through the edge is rejected by both RADIUS daemons; enabled, accepted by both", async () => {
    for (const d of daemonPorts) expect(await authAnn(d.authPort)).toBe("Access-Accept");
    const disabled = await viaCaddy(
      caddy.httpsPort,
      tenant.host,
      `/api/subscribers/${subscriberId}/disable`,
      tenant.token,
      "POST",
    );
    expect(disabled.status).toBe(200);
    for (const d of daemonPorts) {
      await expect.poll(() => authAnn(d.authPort), { timeout: 15_000, interval: 100 }).toBe("Access-Reject");
    }
    const enabled = await viaCaddy(
      caddy.httpsPort,
      tenant.host,
      `/api/subscribers/${subscriberId}/enable`,
      tenant.token,
      "POST",
    );
    expect(enabled.status).toBe(200);
    for (const d of daemonPorts) {
      await expect.poll(() => authAnn(d.authPort), { timeout: 15_000, interval: 100 }).toBe("Access-Accept");
    }
  });

  it("SIGKILL of one RADIUS daemon under accounting traffic loses no acknowledged record: the NAS retries to the other", async () => {
    const [primary, secondary] = daemonPorts as [(typeof daemonPorts)[0], (typeof daemonPorts)[0]];
    const prefix = uniqueSlug("mi");
    const batches = 8;
    const perBatch = 40;
    const sessionsOf = (b: number) => Array.from({ length: perBatch }, (_, i) => `${prefix}-${b}-${i}`);
    const nas = { identifier, secret, username: "ann" };
    /** One NAS send, with a short timeout as a NAS with a backup server uses. */
    const send = (port: number, sessions: string[]) =>
      sendStarts(port, nas, sessions, { retries: 1, timeoutSeconds: 1 });

    const ackedByPrimary = new Set<string>();
    const ackedBySecondary = new Set<string>();
    let killedAt = -1;
    // Like a NAS's dead-server detection: once the primary answered nothing, stop trying it first.
    let primaryUp = true;
    for (let b = 0; b < batches; b++) {
      const sessions = sessionsOf(b);
      let missing = sessions;
      if (primaryUp) {
        const first = send(primary.acctPort, sessions);
        // Mid-traffic, while the primary holds packets of this batch (read, queued or being written).
        if (b === 3) {
          await new Promise((r) => setTimeout(r, 20));
          await daemons[0]?.stop("SIGKILL");
          killedAt = b;
        }
        const got = await first;
        for (const s of got) ackedByPrimary.add(s);
        if (got.size === 0) primaryUp = false;
        missing = sessions.filter((s) => !got.has(s));
      }
      if (missing.length > 0) {
        // The NAS's failover: what the primary did not acknowledge goes to the secondary.
        const second = await send(secondary.acctPort, missing);
        for (const s of second) ackedBySecondary.add(s);
      }
    }
    expect(killedAt).toBe(3);
    // The primary answered before it died, the secondary took over after.
    expect(ackedByPrimary.size).toBeGreaterThan(0);
    expect(ackedBySecondary.size).toBeGreaterThanOrEqual((batches - killedAt - 1) * perBatch);

    const { sql } = stack.runtime.deps;
    const rows = await sql.unsafe<{ acct_session_id: string }[]>(
      `select acct_session_id from "${schema}".radacct where acct_session_id like $1`,
      [`${prefix}-%`],
    );
    const stored = new Set(rows.map((r) => r.acct_session_id));
    // Nothing acknowledged is missing, and nothing is stored twice (a record the primary stored
    // but died before answering, then sent again to the secondary, is one session row).
    for (const s of [...ackedByPrimary, ...ackedBySecondary]) expect(stored.has(s)).toBe(true);
    expect(rows.length).toBe(stored.size);
    // With the failover every record was acknowledged by one of the two, so all are stored.
    expect(stored.size).toBe(batches * perBatch);
  });

  it("SIGKILL of one API instance: Caddy sends every request to the other", async () => {
    await apis[1]?.stop("SIGKILL");
    for (let i = 0; i < 10; i++) {
      const res = await viaCaddy(caddy.httpsPort, tenant.host, "/api/subscribers", tenant.token);
      expect(res.status).toBe(200);
    }
  });
});
