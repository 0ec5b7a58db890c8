import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { mailOutbox } from "@proxpanel/db";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, type Stack, signupTenant, startStack, type TestTenant, uniqueSlug } from "./harness.ts";
import { type AppProcess, apiPort, appEnv, scrape, spawnApp, total } from "./processes.ts";

/**
 * Each process's /metrics, scraped from the real entry points (child processes): the series exist,
 * and move after traffic. The public port answers 404 at /metrics on every host.
 */
describe("Prometheus metrics of the API, the RADIUS daemon and the worker", () => {
  let stack: Stack;
  let tenant: TestTenant;
  const dataDir = mkdtempSync(path.join(tmpdir(), "proxpanel-metrics-"));
  const procs: AppProcess[] = [];
  const identifier = uniqueSlug("metrics-nas");
  const secret = "metrics-nas-secret";

  beforeAll(async () => {
    requireRadclient();
    stack = await startStack();
    tenant = await signupTenant(stack);
    const call = async (p: string, body: unknown) => {
      const res = await stack.request("POST", p, { host: tenant.host, token: tenant.token, body });
      if (res.status !== 201) throw new Error(`${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const { plan } = await call("/api/plans", { name: "Basic", downloadKbps: 8000, uploadKbps: 2000 });
    await call("/api/subscribers", { username: "mia", password: "mia-password", planId: plan.id });
    await call("/api/nas", { name: "Metrics", ipAddress: "127.0.0.1", identifier, secret });
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("API: requests by route, status and tenant, latency, waits and refusals; /metrics is 404 on the public port", async () => {
    const api = spawnApp(
      "api",
      appEnv({ DATA_DIR: dataDir, TENANT_CONCURRENCY: "1", ANON_RATE_LIMIT_PER_MIN_PER_IP: "3" }),
    );
    procs.push(api);
    const port = await apiPort(api);
    const metricsPort = Number((await api.logged("metrics listening")).port);
    expect(metricsPort).toBeGreaterThan(0);
    expect(metricsPort).not.toBe(port);

    for (const host of ["proxpanel.test", tenant.host]) {
      const res = await httpRequest(port, "GET", "/metrics", { host });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }

    const before = await scrape(metricsPort);
    const route = { route: "/api/users", method: "GET", status: "200", tenant: tenant.id };
    // Signed in, several at once past TENANT_CONCURRENCY=1: some wait for the slot.
    const users = await Promise.all(
      Array.from({ length: 6 }, () =>
        httpRequest(port, "GET", "/api/users", { host: tenant.host, token: tenant.token }),
      ),
    );
    expect(users.every((r) => r.status === 200)).toBe(true);
    // Anonymous past ANON_RATE_LIMIT_PER_MIN_PER_IP=3: refused with 429.
    const anon = [];
    for (let i = 0; i < 5; i++) anon.push(await httpRequest(port, "GET", "/api/branding", { host: tenant.host }));
    expect(anon.some((r) => r.status === 429)).toBe(true);
    const after = await scrape(metricsPort);

    expect(
      total(after, "proxpanel_http_requests_total", route) - total(before, "proxpanel_http_requests_total", route),
    ).toBe(6);
    const lat = { route: "/api/users", method: "GET" };
    expect(total(after, "proxpanel_http_request_duration_seconds_count", lat)).toBeGreaterThanOrEqual(6);
    expect(total(after, "proxpanel_tenant_concurrency_waits_total", { tenant: tenant.id })).toBeGreaterThan(0);
    expect(
      total(after, "proxpanel_rate_limit_refusals_total", { budget: "anon_ip", tenant: tenant.id }),
    ).toBeGreaterThan(0);
    expect(total(after, "proxpanel_http_requests_total", { status: "429", tenant: tenant.id })).toBeGreaterThan(0);
    expect(total(after, "proxpanel_postgres_up")).toBe(1);
    expect(total(after, "proxpanel_shared_state_up")).toBe(1);
    expect(after).toContain("proxpanel_backup_staging_bytes");
    expect(total(after, "proxpanel_db_connections")).toBeGreaterThan(0);
    expect(after).toContain('process="api"');
  });

  it("RADIUS: requests, accepts, rejects, drops by reason, queue depth, accounting batches", async () => {
    const radius = spawnApp(
      "radius",
      appEnv({ RADIUS_AUTH_PORT: "0", RADIUS_ACCT_PORT: "0", RADIUS_HOST: "127.0.0.1" }),
    );
    procs.push(radius);
    const { authPort, acctPort } = (await radius.logged("radius listening")) as { authPort: number; acctPort: number };
    const metricsPort = Number((await radius.logged("metrics listening")).port);
    const before = await scrape(metricsPort);
    expect(total(before, "proxpanel_radius_queue_depth", { tenant: "all" })).toBe(0);
    expect(before).toContain('proxpanel_radius_dropped_total{reason="queue_full"');

    const auth = await radclient({
      port: authPort,
      type: "auth",
      secret,
      packets: [
        `NAS-Identifier = "${identifier}"\nUser-Name = "mia"\nUser-Password = "mia-password"\nMessage-Authenticator = 0x00`,
        `NAS-Identifier = "${identifier}"\nUser-Name = "mia"\nUser-Password = "wrong-password"\nMessage-Authenticator = 0x00`,
      ],
    });
    expect(auth.replies.map((r) => r.code).sort()).toEqual(["Access-Accept", "Access-Reject"]);
    const acct = await radclient({
      port: acctPort,
      type: "acct",
      secret,
      packets: [
        `NAS-Identifier = "${identifier}"\nUser-Name = "mia"\nAcct-Status-Type = Start\nAcct-Session-Id = "m-1"`,
      ],
    });
    expect(acct.replies[0]?.code).toBe("Accounting-Response");
    // A packet with a broken authenticator of a known NAS: dropped with its reason, no answer.
    const dropped = await radclient({
      port: authPort,
      type: "auth",
      secret: "not-the-secret",
      retries: 1,
      timeoutSeconds: 1,
      packets: [
        `NAS-Identifier = "${identifier}"\nUser-Name = "mia"\nUser-Password = "x"\nMessage-Authenticator = 0x00`,
      ],
    }).catch(() => undefined);
    expect(dropped?.replies[0]).toBeUndefined();

    const after = await scrape(metricsPort);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);
    expect(moved("proxpanel_radius_requests_total", { type: "access" })).toBeGreaterThanOrEqual(2);
    expect(moved("proxpanel_radius_responses_total", { result: "accept" })).toBe(1);
    expect(moved("proxpanel_radius_responses_total", { result: "reject" })).toBe(1);
    expect(moved("proxpanel_radius_requests_total", { type: "accounting" })).toBe(1);
    expect(moved("proxpanel_radius_dropped_total")).toBeGreaterThan(0);
    expect(moved("proxpanel_radius_accounting_batch_size_count")).toBeGreaterThanOrEqual(1);
    expect(moved("proxpanel_radius_accounting_flush_seconds_count", { outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(total(after, "proxpanel_postgres_up")).toBe(1);
    expect(after).toContain('process="radius"');
  });

  it("worker: mail queue depth, staging bytes, PostgreSQL up; job runs recorded", async () => {
    const worker = spawnApp("worker", appEnv({ DATA_DIR: dataDir }));
    procs.push(worker);
    const metricsPort = Number((await worker.logged("metrics listening")).port);
    const before = await scrape(metricsPort);

    await stack.runtime.deps.db.insert(mailOutbox).values({
      kind: "operator_alert",
      to: `ops-${uniqueSlug()}@example.test`,
      subject: "metrics test",
      body: "queued for the depth gauge",
    });
    const staging = path.join(dataDir, "backup-staging", "incoming");
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, "probe.bin"), Buffer.alloc(4096));

    const after = await scrape(metricsPort);
    // Other suites share the database and may queue or send mail meanwhile: at least ours is there.
    expect(total(before, "proxpanel_mail_queue_depth", { status: "queued" })).toBeGreaterThanOrEqual(0);
    expect(total(after, "proxpanel_mail_queue_depth", { status: "queued" })).toBeGreaterThanOrEqual(1);
    expect(total(after, "proxpanel_backup_staging_bytes") - total(before, "proxpanel_backup_staging_bytes")).toBe(4096);
    expect(total(after, "proxpanel_postgres_up")).toBe(1);
    expect(after).toContain("proxpanel_worker_job_duration_seconds");
    expect(after).toContain('process="worker"');
  });
});
