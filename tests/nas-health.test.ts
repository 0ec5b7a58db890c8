// NAS health across the daemon (last seen), the worker (Status-Server probe, transitions, alert,
// mail) and the API (health in the NAS list, events), with radclient and a fake NAS: a UDP socket
// that answers RFC 5997 Status-Server while it is "up".

import { alerts, mailOutbox, nasHealth, tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import { createMailTransport, deliverDueMail } from "@proxpanel/mail";
import { probeStatusServer } from "@proxpanel/radius/status-probe";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { StatusServerNas } from "@proxpanel/radius/testing/status-server-nas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtp } from "../apps/api/src/services/mail-test-smtp.ts";
import { startTestDaemon } from "../apps/radius/src/testing.ts";
import { checkNasHealth } from "../apps/worker/src/nas-health.ts";
import { type Stack, signupTenant, startStack, type TestTenant, uniqueSlug } from "./harness.ts";

const SECRET = "fake-nas-secret-1";
const INTERIM = 60;

describe("NAS health: last seen, Status-Server probes, silent and back alerts", () => {
  let stack: Stack;
  let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
  let tenant: TestTenant;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let fake: StatusServerNas;
  let nasId = "";
  const identifier = uniqueSlug("probe-nas");

  beforeAll(async () => {
    requireRadclient();
    stack = await startStack();
    tenant = await signupTenant(stack);
    smtp = await startSmtp();
    // The fake NAS: answers a Status-Server with a signed Access-Accept while it is "up".
    fake = await StatusServerNas.start(SECRET);
    const port = fake.port;
    const res = await stack.request("POST", "/api/nas", {
      host: tenant.host,
      token: tenant.token,
      body: { name: "Tower 1", ipAddress: "127.0.0.1", identifier, secret: SECRET, coaPort: port, statusServer: true },
    });
    expect(res.status).toBe(201);
    nasId = res.body.nas.id;
    expect(res.body.nas.statusServer).toBe(true);
    const deps = stack.runtime.deps;
    daemon = await startTestDaemon(deps, { seenFlushMs: 60_000 });
  });

  afterAll(async () => {
    await daemon?.stop();
    fake?.close();
    await smtp?.close();
    await stack?.close();
  });

  const deps = () => ({
    db: stack.runtime.deps.db,
    tenantClients: stack.runtime.deps.tenantClients,
    keys: stack.runtime.deps.keys,
    probe: (t: Parameters<typeof probeStatusServer>[0]) => probeStatusServer(t, { timeoutMs: 300, retries: 0 }),
  });
  const check = (now: Date) => checkNasHealth(deps(), { interimIntervalSeconds: INTERIM, now, tenantIds: [tenant.id] });
  const health = async () =>
    (await stack.runtime.deps.db.select().from(nasHealth).where(eq(nasHealth.nasId, nasId)))[0];
  const events = async () => {
    const res = await stack.request("GET", `/api/traffic/nas-events?nasId=${nasId}`, {
      host: tenant.host,
      token: tenant.token,
    });
    expect(res.status).toBe(200);
    return res.body.items as Array<{ kind: string; nasName: string; detail: string }>;
  };

  it("records the last packet in batches and shows the NAS online with its probe", async () => {
    const r = await radclient({
      port: daemon.authPort,
      type: "auth",
      secret: SECRET,
      packets: [
        `NAS-Identifier = "${identifier}"\nMessage-Authenticator = 0x00\nUser-Name = "nobody"\nUser-Password = "x"`,
      ],
    });
    expect(r.replies[0]?.code).toBe("Access-Reject");
    // Nothing is written per packet: the time waits in memory until the flush.
    expect((await health())?.lastSeenAt ?? null).toBeNull();
    await daemon.source.seen.flush();
    const seen = (await health())?.lastSeenAt;
    expect(seen).toBeInstanceOf(Date);
    expect(Math.abs((seen as Date).getTime() - Date.now())).toBeLessThan(60_000);

    expect(await check(new Date())).toEqual([]);
    const h = await health();
    expect(h?.status).toBe("online");
    expect(h?.probeOk).toBe(true);
    expect(h?.probeRttMs).toBeGreaterThanOrEqual(0);

    const list = await stack.request("GET", "/api/nas", { host: tenant.host, token: tenant.token });
    const item = list.body.items.find((n: { id: string }) => n.id === nasId);
    expect(item.health.status).toBe("online");
    expect(item.health.lastSeenAt).toBe((seen as Date).toISOString());
    expect(item.health.probe.ok).toBe(true);
  });

  it("goes silent once after two unanswered probes and comes back once, with one alert and one mail each way", async () => {
    fake.answering = false;
    const later = Date.now() + 3 * INTERIM * 1000;
    // One lost probe is not silence.
    expect(await check(new Date(later))).toEqual([]);
    expect((await health())?.probeFailures).toBe(1);
    const down = await check(new Date(later + 60_000));
    expect(down.map((t) => t.kind)).toEqual(["silent"]);
    // Still silent: no second alert.
    expect(await check(new Date(later + 120_000))).toEqual([]);
    expect((await health())?.status).toBe("silent");

    const db = stack.runtime.deps.db;
    const open = await db
      .select()
      .from(alerts)
      .where(and(eq(alerts.tenantId, tenant.id), eq(alerts.kind, "nas_silent")));
    expect(open).toHaveLength(1);
    expect(open[0]?.resolvedAt).toBeNull();
    expect(open[0]?.message).toContain("Tower 1");
    // The API says why it is silent (the open alert's kind), for the NAS page.
    const silentNas = await stack.request("GET", `/api/nas/${nasId}`, { host: tenant.host, token: tenant.token });
    expect(silentNas.body.nas.health).toMatchObject({ status: "silent", silentReason: "no_packets" });

    fake.answering = true;
    const up = await check(new Date(later + 180_000));
    expect(up.map((t) => t.kind)).toEqual(["back"]);
    expect(await check(new Date(later + 240_000))).toEqual([]);
    expect((await health())?.status).toBe("online");
    const resolved = await db.select().from(alerts).where(eq(alerts.tenantId, tenant.id));
    expect(resolved).toHaveLength(1);
    expect(resolved[0]?.resolvedAt).not.toBeNull();

    const ev = await events();
    expect(ev.map((e) => e.kind)).toEqual(["back", "silent"]);
    expect(ev[0]?.nasName).toBe("Tower 1");

    // The tenant's owner gets one mail each way, through the real relay path.
    const queued = await db.select().from(mailOutbox).where(eq(mailOutbox.tenantId, tenant.id));
    const nasMails = queued.filter((m) => m.subject.includes("NAS Tower 1"));
    expect(nasMails).toHaveLength(2);
    await deliverDueMail(
      { db, transport: createMailTransport(smtp.url), from: "noc@proxpanel.test", maxAttempts: 3 },
      { to: [tenant.email] },
    );
    const got = smtp.inbox.filter((m) => m.to.includes(tenant.email) && m.subject.includes("NAS Tower 1"));
    expect(got.map((m) => m.subject.replace(/^\[[^\]]*\] /, "")).sort()).toEqual([
      "NAS Tower 1 is back",
      "NAS Tower 1 went silent",
    ]);
  });

  it("flags an accounting gap: open sessions and no accounting for more than twice the interval", async () => {
    const [row] = await stack.runtime.deps.db
      .select({ schemaName: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, tenant.id));
    const t = tenantTables(row?.schemaName ?? "");
    const r = await radclient({
      port: daemon.acctPort,
      type: "acct",
      secret: SECRET,
      packets: [
        `NAS-Identifier = "${identifier}"\nAcct-Status-Type = Start\nAcct-Session-Id = "g1"\nUser-Name = "gap"`,
      ],
    });
    expect(r.replies[0]?.code).toBe("Accounting-Response");
    expect(await stack.runtime.deps.db.select().from(t.radacct).where(eq(t.radacct.acctSessionId, "g1"))).toHaveLength(
      1,
    );
    await daemon.source.seen.flush();
    expect(await check(new Date())).toEqual([]);
    const gap = await check(new Date(Date.now() + 3 * INTERIM * 1000));
    expect(gap.map((g) => g.kind)).toEqual(["accounting_gap"]);
    expect(gap[0]?.detail).toContain("1 open session");
    const list = await stack.request("GET", "/api/nas", { host: tenant.host, token: tenant.token });
    const item = list.body.items.find((n: { id: string }) => n.id === nasId);
    expect(item.health).toMatchObject({ status: "silent", silentReason: "accounting_gap" });
  });

  it("does not show another tenant this tenant's NAS events or traffic", async () => {
    const other = await signupTenant(stack);
    const ev = await stack.request("GET", `/api/traffic/nas-events?nasId=${nasId}`, {
      host: other.host,
      token: other.token,
    });
    expect(ev.status).toBe(404);
    const all = await stack.request("GET", "/api/traffic/nas-events", { host: other.host, token: other.token });
    expect(all.body.items).toEqual([]);
    const series = await stack.request("GET", `/api/traffic/nas/${nasId}`, { host: other.host, token: other.token });
    expect(series.status).toBe(404);
  });
});
