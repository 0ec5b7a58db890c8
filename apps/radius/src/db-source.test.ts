import { nasRoutes, tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import type { AccountingRecord } from "@proxpanel/radius";
import { type RadclientResult, radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
  uniqueSlug,
} from "../../../tests/harness.ts";
import { AccountingSink } from "./db/accounting-sink.ts";
import { startTestDaemon } from "./testing.ts";

const RATE = "Mikrotik-Rate-Limit";

/** Polls until `ok` holds or the attempts run out; the caller asserts on what comes back. */
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, attempts = 40): Promise<T> {
  let last = await fn();
  for (let i = 1; i < attempts && !ok(last); i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await fn();
  }
  return last;
}

const code = (r: RadclientResult) => r.replies[0]?.code;

describe("RADIUS daemon over the database, driven through the API and radclient", () => {
  let stack: Stack;
  let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
  let a: TestTenant;
  let b: TestTenant;
  const ids = { a: uniqueSlug("nas-a"), b: uniqueSlug("nas-b") };
  const secrets = { a: "secret-of-tenant-a", b: "secret-of-tenant-b" };
  const plans: Record<"a" | "b", { id: string; rateLimit: string }> = {
    a: { id: "", rateLimit: "" },
    b: { id: "", rateLimit: "" },
  };
  const subs: Record<string, string> = {};

  const api = async (t: TestTenant, method: string, path: string, body?: unknown) => {
    const res = await stack.request(method, path, { host: t.host, token: t.token, body });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  /** Both NAS send from 127.0.0.1, so the API requires each to carry its own NAS-Identifier. */
  const auth = (tenant: "a" | "b", lines: string, retries = 1) =>
    radclient({
      port: daemon.authPort,
      type: "auth",
      secret: secrets[tenant],
      retries,
      timeoutSeconds: 1,
      packets: [`NAS-Identifier = "${ids[tenant]}"\nMessage-Authenticator = 0x00\n${lines}`],
    });

  const acct = (tenant: "a" | "b", lines: string) =>
    radclient({
      port: daemon.acctPort,
      type: "acct",
      secret: secrets[tenant],
      packets: [`NAS-Identifier = "${ids[tenant]}"\n${lines}`],
    });

  const tables = async (t: TestTenant) => {
    const [row] = await stack.runtime.deps.db
      .select({ schemaName: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, t.id));
    if (!row) throw new Error("tenant row missing");
    return tenantTables(row.schemaName);
  };

  beforeAll(async () => {
    requireRadclient();
    stack = await startStack();
    a = await signupTenant(stack);
    b = await signupTenant(stack);
    for (const [key, t, down, up] of [["a", a, 10_000, 5_000] as const, ["b", b, 30_000, 3_000] as const]) {
      const created = await api(t, "POST", "/api/plans", { name: "Home", downloadKbps: down, uploadKbps: up });
      const plan = await api(t, "GET", `/api/plans/${created.plan.id}`);
      plans[key] = { id: plan.plan.id, rateLimit: plan.plan.rateLimit };
    }
    // The same username in both tenants, each with its own password and plan.
    subs.a = (
      await api(a, "POST", "/api/subscribers", { username: "alice", password: "alice-in-a", planId: plans.a.id })
    ).subscriber.id;
    subs.b = (
      await api(b, "POST", "/api/subscribers", { username: "alice", password: "alice-in-b", planId: plans.b.id })
    ).subscriber.id;
    subs.bob = (
      await api(a, "POST", "/api/subscribers", { username: "bob", password: "bob-password", planId: plans.a.id })
    ).subscriber.id;
    await api(a, "POST", "/api/nas", { name: "A", ipAddress: "127.0.0.1", identifier: ids.a, secret: secrets.a });
    const deps = stack.runtime.deps;
    daemon = await startTestDaemon(deps);
  });

  afterAll(async () => {
    await daemon?.stop();
    await stack?.close();
  });

  it("marks a NAS's address claim verified once a packet proves its secret, and not before", async () => {
    const verifiedAt = async () =>
      (
        await stack.runtime.deps.db
          .select({ v: nasRoutes.verifiedAt })
          .from(nasRoutes)
          .where(and(eq(nasRoutes.tenantId, a.id), eq(nasRoutes.identifier, ids.a)))
      )[0]?.v;
    const wrong = await radclient({
      port: daemon.authPort,
      type: "auth",
      secret: "not-the-secret",
      retries: 1,
      timeoutSeconds: 1,
      packets: [`NAS-Identifier = "${ids.a}"\nMessage-Authenticator = 0x00\nUser-Name = "bob"\nUser-Password = "x"`],
    });
    expect(wrong.noReply).toBe(1);
    expect(await verifiedAt()).toBeNull();
    // Retries like the other logins: this is the tenant's first lookup, which loads its cache (slower
    // through a Citus coordinator on a loaded machine than radclient's one second).
    expect(code(await auth("a", `User-Name = "bob"\nUser-Password = "bob-password"`, 3))).toBe("Access-Accept");
    await expect.poll(verifiedAt, { timeout: 5_000 }).toBeInstanceOf(Date);
  });

  it("accepts PAP with the plan's rate limit", async () => {
    const r = await auth("a", 'User-Name = "alice"\nUser-Password = "alice-in-a"', 3);
    expect(code(r)).toBe("Access-Accept");
    expect(r.replies[0]?.attributes[RATE]).toEqual([plans.a.rateLimit]);
    expect(plans.a.rateLimit).toBe("5000k/10000k");
  });

  it("accepts CHAP, with the username in any case", async () => {
    const r = await auth("a", 'User-Name = "ALICE"\nCHAP-Password = "alice-in-a"', 3);
    expect(code(r)).toBe("Access-Accept");
    expect(r.replies[0]?.attributes[RATE]).toEqual([plans.a.rateLimit]);
  });

  it("rejects a wrong password and records why in the tenant's auth log", async () => {
    const r = await auth("a", 'User-Name = "alice"\nUser-Password = "alice-in-b"', 3);
    expect(code(r)).toBe("Access-Reject");
    const t = await tables(a);
    const rows = await eventually(
      () =>
        stack.runtime.deps.db
          .select()
          .from(t.authLogs)
          .where(and(eq(t.authLogs.username, "alice"), eq(t.authLogs.result, "reject"))),
      (rows) => rows.length > 0,
    );
    expect(rows[0]?.reason).toBe("wrong_password");
    expect(rows[0]?.subscriberId).toBe(subs.a);
    expect(rows[0]?.method).toBe("pap");
  });

  it("rejects a subscriber disabled through the API, without a restart", async () => {
    const login = 'User-Name = "bob"\nUser-Password = "bob-password"';
    expect(code(await auth("a", login, 3))).toBe("Access-Accept");
    await api(a, "POST", `/api/subscribers/${subs.bob}/disable`);
    const r = await eventually(
      () => auth("a", login, 3),
      (r) => code(r) === "Access-Reject",
    );
    expect(code(r)).toBe("Access-Reject");
    expect(r.replies[0]?.attributes["Reply-Message"]).toEqual(["Account disabled"]);
  });

  it("routes a NAS added through the API at run time to its tenant, with that tenant's plan", async () => {
    await api(b, "POST", "/api/nas", { name: "B", ipAddress: "127.0.0.1", identifier: ids.b, secret: secrets.b });
    const login = 'User-Name = "alice"\nUser-Password = "alice-in-b"';
    const r = await eventually(
      () => auth("b", login),
      (r) => r.replies.length > 0,
    );
    expect(code(r)).toBe("Access-Accept");
    expect(r.replies[0]?.attributes[RATE]).toEqual([plans.b.rateLimit]);
    expect(plans.b.rateLimit).not.toBe(plans.a.rateLimit);
    // Tenant A's alice does not exist for tenant B's NAS.
    expect(code(await auth("b", 'User-Name = "alice"\nUser-Password = "alice-in-a"', 3))).toBe("Access-Reject");
  });

  it("writes Start / Interim-Update / Stop to the right tenant's radacct and counts usage", async () => {
    const session = (status: string, extra = "") =>
      acct(
        "a",
        `Acct-Status-Type = ${status}\nAcct-Session-Id = "sess-1"\nUser-Name = "alice"\nFramed-IP-Address = 10.1.2.3\n${extra}`,
      );
    expect(code(await session("Start"))).toBe("Accounting-Response");
    expect(
      code(
        await session(
          "Interim-Update",
          "Acct-Session-Time = 60\nAcct-Input-Octets = 1000\nAcct-Output-Octets = 5000\nAcct-Input-Gigawords = 1",
        ),
      ),
    ).toBe("Accounting-Response");
    expect(
      code(
        await session(
          "Stop",
          "Acct-Session-Time = 120\nAcct-Input-Octets = 3000\nAcct-Output-Octets = 9000\nAcct-Input-Gigawords = 1\nAcct-Terminate-Cause = User-Request",
        ),
      ),
    ).toBe("Accounting-Response");

    // The response means committed: no polling needed.
    const ta = await tables(a);
    const rows = await stack.runtime.deps.db.select().from(ta.radacct).where(eq(ta.radacct.acctSessionId, "sess-1"));
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row?.subscriberId).toBe(subs.a);
    expect(row?.inputOctets).toBe(2 ** 32 + 3000);
    expect(row?.outputOctets).toBe(9000);
    expect(row?.sessionTime).toBe(120);
    expect(row?.stopTime).not.toBeNull();
    expect(row?.terminateCause).toBe("User-Request");
    expect(row?.framedIpAddress).toBe("10.1.2.3");

    const tb = await tables(b);
    expect(await stack.runtime.deps.db.select().from(tb.radacct)).toHaveLength(0);

    const sub = (await api(a, "GET", `/api/subscribers/${subs.a}`)).subscriber;
    expect(sub.bytesIn).toBe(2 ** 32 + 3000);
    expect(sub.bytesOut).toBe(9000);
    expect(sub.lastSeenAt).not.toBeNull();
    const other = (await api(b, "GET", `/api/subscribers/${subs.b}`)).subscriber;
    expect(other.bytesIn).toBe(0);
  });

  it("counts usage exactly once when batches for the same sessions are written side by side", async () => {
    const db = stack.runtime.deps.db;
    const ta = await tables(a);
    const [nas] = await db.select({ id: ta.nasDevices.id }).from(ta.nasDevices).limit(1);
    if (!nas) throw new Error("no NAS");
    const usage = async () => (await api(a, "GET", `/api/subscribers/${subs.bob}`)).subscriber.bytesIn as number;
    const before = await usage();
    // Tiny batches and four writers: consecutive updates of one session land in different
    // batches that would run at once unless the sink orders them.
    const sink = new AccountingSink(db, daemon.source.tenants, { maxBatch: 3, maxDelayMs: 1, maxConcurrent: 4 });
    const records: AccountingRecord[] = [];
    for (let i = 1; i <= 30; i++) {
      for (const session of ["par-1", "par-2"]) {
        records.push({
          tenantId: a.id,
          nasId: nas.id,
          nasAddress: "127.0.0.1",
          status: i === 1 ? "Start" : "Interim-Update",
          receivedAt: new Date(),
          sessionId: session,
          username: "bob",
          sessionTime: i,
          inputOctets: i * 100,
          outputOctets: i * 10,
        });
      }
    }
    await Promise.all(records.map((r) => sink.add(r)));
    await sink.flush();
    const rows = await db
      .select({ id: ta.radacct.acctSessionId, inputOctets: ta.radacct.inputOctets })
      .from(ta.radacct)
      .where(eq(ta.radacct.username, "bob"));
    expect(rows.filter((r) => r.id.startsWith("par-")).map((r) => r.inputOctets)).toEqual([3000, 3000]);
    expect((await usage()) - before).toBe(2 * 3000);
  });

  it("hands out a pool address, locks the MAC on first login, and releases the address on Stop", async () => {
    const { pool } = await api(a, "POST", "/api/ip-pools", { name: "Pool", cidr: "100.64.7.0/29" });
    const { subscriber } = await api(a, "POST", "/api/subscribers", {
      username: "dave",
      password: "dave-password",
      planId: plans.a.id,
      ipPoolId: pool.id,
      macLockOnFirstLogin: true,
    });
    const login = (mac: string) => `User-Name = "dave"\nUser-Password = "dave-password"\nCalling-Station-Id = "${mac}"`;
    const first = await eventually(
      () => auth("a", login("aa-bb-cc-dd-ee-01"), 3),
      (r) => code(r) === "Access-Accept",
    );
    expect(code(first)).toBe("Access-Accept");
    const ip = first.replies[0]?.attributes["Framed-IP-Address"]?.[0];
    // .1 is the pool's gateway (the default), never handed out.
    expect(ip).toBe("100.64.7.2");
    const other = await auth("a", login("aa-bb-cc-dd-ee-02"), 3);
    expect(code(other)).toBe("Access-Reject");
    expect((await api(a, "GET", `/api/subscribers/${subscriber.id}`)).subscriber.macAddress).toBe("AA:BB:CC:DD:EE:01");

    const t = await tables(a);
    const held = () =>
      stack.runtime.deps.db.select().from(t.ipAllocations).where(eq(t.ipAllocations.subscriberId, subscriber.id));
    expect(await held()).toHaveLength(1);
    const stop = await acct(
      "a",
      `Acct-Status-Type = Stop\nAcct-Session-Id = "sess-dave"\nUser-Name = "dave"\nFramed-IP-Address = ${ip}\nAcct-Session-Time = 5`,
    );
    expect(code(stop)).toBe("Accounting-Response");
    expect(await held()).toHaveLength(0);
  });

  it("rejects every login of a suspended tenant and admits again after resume", async () => {
    const op = await superAdminSession(stack);
    const login = 'User-Name = "alice"\nUser-Password = "alice-in-a"';
    const suspended = await stack.request("POST", `/api/saas/tenants/${a.id}/suspend`, { token: op.token });
    expect(suspended.status).toBe(200);
    const r = await eventually(
      () => auth("a", login, 3),
      (r) => code(r) === "Access-Reject",
    );
    expect(r.replies[0]?.attributes["Reply-Message"]).toEqual(["Service suspended"]);
    await stack.request("POST", `/api/saas/tenants/${a.id}/resume`, { token: op.token });
    const back = await eventually(
      () => auth("a", login, 3),
      (r) => code(r) === "Access-Accept",
    );
    expect(code(back)).toBe("Access-Accept");
  });
});
