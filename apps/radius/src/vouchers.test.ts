import { createSocket } from "node:dgram";
import { tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import { Code, encodeRequest } from "@proxpanel/radius";
import { type RadclientResult, radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant, uniqueSlug } from "../../../tests/harness.ts";
import { startTestDaemon } from "./testing.ts";

const code = (r: RadclientResult) => r.replies[0]?.code;
const attr = (r: RadclientResult, name: string) => r.replies[0]?.attributes[name];

/** Polls until `ok` holds or the attempts run out; the caller asserts on what comes back. */
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, attempts = 40): Promise<T> {
  let last = await fn();
  for (let i = 1; i < attempts && !ok(last); i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await fn();
  }
  return last;
}

describe("hotspot vouchers through the RADIUS daemon (radclient)", () => {
  let stack: Stack;
  let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
  let a: TestTenant;
  let t: ReturnType<typeof tenantTables>;
  const nasId = uniqueSlug("hotspot");
  const secret = "hotspot-secret";
  let planRate = "";
  let timed: string[] = [];
  let spare: string[] = [];
  let fresh: string[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.request(method, path, { host: a.host, token: a.token, body });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const auth = (lines: string) =>
    radclient({
      port: daemon.authPort,
      type: "auth",
      secret,
      retries: 3,
      timeoutSeconds: 1,
      packets: [`NAS-Identifier = "${nasId}"\nMessage-Authenticator = 0x00\n${lines}`],
    });
  const acct = (lines: string) =>
    radclient({ port: daemon.acctPort, type: "acct", secret, packets: [`NAS-Identifier = "${nasId}"\n${lines}`] });
  /**
   * PAP with an empty password as a MikroTik sends it (one block of zero bytes before hiding);
   * radclient leaves an empty User-Password out altogether. Answers the reply's code.
   */
  const papEmpty = (username: string) =>
    new Promise<number | undefined>((resolve, reject) => {
      const sock = createSocket("udp4");
      const packet = encodeRequest({
        code: Code.AccessRequest,
        identifier: 7,
        secret,
        attributes: [
          ["NAS-Identifier", nasId],
          ["User-Name", username],
          ["User-Password", "\u0000"],
        ],
      });
      const timer = setTimeout(() => {
        sock.close();
        resolve(undefined);
      }, 3000);
      sock.on("message", (msg) => {
        clearTimeout(timer);
        sock.close();
        resolve(msg[0]);
      });
      sock.send(packet, daemon.authPort, "127.0.0.1", (err) => err && reject(err));
    });
  const voucher = async (c: string) =>
    (await stack.runtime.deps.db.select().from(t.vouchers).where(eq(t.vouchers.code, c)))[0];
  const rejects = (username: string) =>
    stack.runtime.deps.db
      .select()
      .from(t.authLogs)
      .where(and(eq(t.authLogs.username, username), eq(t.authLogs.result, "reject")));

  beforeAll(async () => {
    requireRadclient();
    stack = await startStack();
    a = await signupTenant(stack);
    const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id));
    t = tenantTables(row?.schemaName ?? "");
    const plan = await api("POST", "/api/plans", { name: "Hotspot 4M", downloadKbps: 4000, uploadKbps: 1000 });
    planRate = (await api("GET", `/api/plans/${plan.plan.id}`)).plan.rateLimit;
    // 1 hour online and 5 GB (past 2^32: the Gigawords attribute too), valid a day from first use.
    const b1 = await api("POST", "/api/vouchers/batches", {
      count: 3,
      planId: plan.plan.id,
      timeLimitS: 3600,
      dataLimitBytes: 5_000_000_000,
      validityS: 86400,
    });
    timed = (await api("GET", `/api/vouchers?batchId=${b1.batch.id}`)).items.map((v: { code: string }) => v.code);
    const b2 = await api("POST", "/api/vouchers/batches", { count: 3, validityS: 600, rateLimit: "1M/2M" });
    spare = (await api("GET", `/api/vouchers?batchId=${b2.batch.id}`)).items.map((v: { code: string }) => v.code);
    const b3 = await api("POST", "/api/vouchers/batches", { count: 3, validityS: 3600 });
    fresh = (await api("GET", `/api/vouchers?batchId=${b3.batch.id}`)).items.map((v: { code: string }) => v.code);
    await api("POST", "/api/nas", { name: "Hotspot", ipAddress: "127.0.0.1", identifier: nasId, secret });
    const deps = stack.runtime.deps;
    daemon = await startTestDaemon(deps);
  });

  afterAll(async () => {
    await daemon?.stop();
    await stack?.close();
  });

  it("accepts a voucher by PAP with the code as password; its first use starts the validity", async () => {
    const c = timed[0] ?? "";
    expect((await voucher(c))?.firstUsedAt).toBeNull();
    const r = await auth(`User-Name = "${c}"\nUser-Password = "${c}"`);
    expect(code(r)).toBe("Access-Accept");
    expect(attr(r, "Mikrotik-Rate-Limit")).toEqual([planRate]);
    // The time allowance (1 h) is shorter than the validity (1 day).
    expect(attr(r, "Session-Timeout")).toEqual(["3600"]);
    expect(attr(r, "Mikrotik-Total-Limit")).toEqual([String(5_000_000_000 % 2 ** 32)]);
    expect(attr(r, "Mikrotik-Total-Limit-Gigawords")).toEqual(["1"]);
    // Written before the Accept went out, not after: no waiting here.
    const row = await voucher(c);
    expect(row?.firstUsedAt).not.toBeNull();
    expect(row?.status).toBe("active");
    const validity = (row?.expiresAt?.getTime() ?? 0) - (row?.firstUsedAt?.getTime() ?? 0);
    expect(validity).toBe(86400_000);
  });

  it("a voucher's first use is stored before its Accept: the API's delete right after it is 409", async () => {
    const c = fresh[0] ?? "";
    const id = (await voucher(c))?.id;
    expect(code(await auth(`User-Name = "${c}"\nUser-Password = "${c}"`))).toBe("Access-Accept");
    const res = await stack.request("DELETE", `/api/vouchers/${id}`, { host: a.host, token: a.token });
    expect(res.status).toBe(409);
    expect((await voucher(c))?.firstUsedAt).not.toBeNull();
  });

  it("refuses the first login of a voucher deleted in the database while the daemon's snapshot still holds it", async () => {
    const c = fresh[1] ?? "";
    // The snapshot is loaded and holds the voucher; deleting the row directly announces nothing.
    const snap = await daemon.source.tenants.get(a.id);
    expect(snap?.vouchers.byCode.has(c.toLowerCase())).toBe(true);
    await stack.runtime.deps.db.delete(t.vouchers).where(eq(t.vouchers.code, c));
    expect(daemon.source.tenants.loaded(a.id)?.vouchers.byCode.has(c.toLowerCase())).toBe(true);
    const r = await auth(`User-Name = "${c}"\nUser-Password = "${c}"`);
    expect(code(r)).toBe("Access-Reject");
    expect(attr(r, "Reply-Message")).toEqual(["Voucher no longer exists"]);
    const logged = await eventually(
      () => rejects(c),
      (rows) => rows.length > 0,
    );
    expect(logged[0]?.reason).toBe("voucher_deleted");
    // Dropped from the snapshot: a retry is an unknown name, and still refused.
    expect(code(await auth(`User-Name = "${c}"\nUser-Password = "${c}"`))).toBe("Access-Reject");
  });

  it("accepts a first login whose write PostgreSQL does not answer in time, and stores it once it can", async () => {
    const c = fresh[2] ?? "";
    const db = stack.runtime.deps.db;
    // A row lock held past the daemon's wait stands in for an unreachable database.
    await db.transaction(async (tx) => {
      await tx.select().from(t.vouchers).where(eq(t.vouchers.code, c)).for("update");
      const started = Date.now();
      const r = await radclient({
        port: daemon.authPort,
        type: "auth",
        secret,
        retries: 1,
        timeoutSeconds: 5,
        packets: [
          `NAS-Identifier = "${nasId}"\nMessage-Authenticator = 0x00\nUser-Name = "${c}"\nUser-Password = "${c}"`,
        ],
      });
      expect(code(r)).toBe("Access-Accept");
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect((await tx.select().from(t.vouchers).where(eq(t.vouchers.code, c)))[0]?.firstUsedAt).toBeNull();
    });
    // The write went on behind the lock.
    const row = await eventually(
      () => voucher(c),
      (v) => !!v?.firstUsedAt,
    );
    expect(row?.status).toBe("active");
  });

  it("accepts CHAP with the code in any case, and refuses a wrong password", async () => {
    const c = timed[1] ?? "";
    expect(code(await auth(`User-Name = "${c.toLowerCase()}"\nCHAP-Password = "${c}"`))).toBe("Access-Accept");
    expect(code(await auth(`User-Name = "${c}"\nUser-Password = "not-the-code"`))).toBe("Access-Reject");
    const logged = await eventually(
      () => rejects(c),
      (rows) => rows.length > 0,
    );
    expect(logged[0]?.reason).toBe("wrong_password");
  });

  it("counts accounting against the voucher: Session-Timeout and the byte limit shrink, then it is used up", async () => {
    const c = timed[0] ?? "";
    const session = (status: string, secs: number, octets: number) =>
      acct(
        `Acct-Status-Type = ${status}\nAcct-Session-Id = "v-1"\nUser-Name = "${c}"\nAcct-Session-Time = ${secs}\nAcct-Input-Octets = ${octets}\nAcct-Output-Octets = ${octets}`,
      );
    expect((await session("Start", 0, 0)).replies).toHaveLength(1);
    expect((await session("Interim-Update", 600, 250_000_000)).replies).toHaveLength(1);
    const row = await eventually(
      () => voucher(c),
      (v) => (v?.usedSeconds ?? 0) > 0,
    );
    expect(row).toMatchObject({ usedSeconds: 600, usedBytes: 500_000_000, lastSessionId: "v-1" });
    // A retransmitted interim adds nothing.
    await session("Interim-Update", 600, 250_000_000);
    const again = await auth(`User-Name = "${c}"\nUser-Password = "${c}"`);
    expect(code(again)).toBe("Access-Accept");
    expect(attr(again, "Session-Timeout")).toEqual(["3000"]);
    expect(attr(again, "Mikrotik-Total-Limit")).toEqual([String(4_500_000_000 % 2 ** 32)]);
    expect((await voucher(c))?.usedSeconds).toBe(600);

    await session("Stop", 3600, 300_000_000);
    const spent = await eventually(
      () => voucher(c),
      (v) => v?.status === "used_up",
    );
    expect(spent?.usedSeconds).toBe(3600);
    const r = await auth(`User-Name = "${c}"\nUser-Password = "${c}"`);
    expect(code(r)).toBe("Access-Reject");
    expect(attr(r, "Reply-Message")).toEqual(["Voucher used up"]);
    const logged = await eventually(
      () => rejects(c),
      (rows) => rows.some((x) => x.reason === "voucher_used_up"),
    );
    expect(logged.map((x) => x.reason)).toContain("voucher_used_up");
  });

  it("rejects an expired voucher and a disabled one, with their reasons, after the API's change", async () => {
    const [old, off] = [spare[0] ?? "", spare[1] ?? ""];
    await stack.runtime.deps.db
      .update(t.vouchers)
      .set({
        status: "active",
        firstUsedAt: new Date(Date.now() - 7200_000),
        expiresAt: new Date(Date.now() - 6600_000),
      })
      .where(eq(t.vouchers.code, old));
    const id = (await api("GET", `/api/vouchers?search=${off}`)).items[0].id;
    // The API's write tells the daemon to reload the tenant (the expiry above rides along).
    await api("PATCH", `/api/vouchers/${id}`, { disabled: true });
    const expired = await eventually(
      () => auth(`User-Name = "${old}"\nUser-Password = "${old}"`),
      (r) => code(r) === "Access-Reject",
    );
    expect(attr(expired, "Reply-Message")).toEqual(["Voucher expired"]);
    const disabled = await auth(`User-Name = "${off}"\nUser-Password = "${off}"`);
    expect(code(disabled)).toBe("Access-Reject");
    expect(attr(disabled, "Reply-Message")).toEqual(["Account disabled"]);
    const reasons = await eventually(
      () => rejects(old),
      (rows) => rows.length > 0,
    );
    expect(reasons[0]?.reason).toBe("voucher_expired");
  });

  it("with the empty-password setting, accepts the code with an empty password (PAP and CHAP) and not with the code", async () => {
    await api("PUT", "/api/vouchers/settings", { passwordMode: "empty", loginUrl: null });
    const c = spare[2] ?? "";
    const r = await eventually(
      () => auth(`User-Name = "${c}"\nCHAP-Password = ""`),
      (r) => code(r) === "Access-Accept",
    );
    expect(code(r)).toBe("Access-Accept");
    expect(attr(r, "Mikrotik-Rate-Limit")).toEqual(["1M/2M"]);
    // What is left of the 600 s validity that this first use started: whole seconds, so a reply
    // worked out a moment after the start (a loaded machine, a retried request) may say 599.
    expect(Number(attr(r, "Session-Timeout")?.[0])).toBeGreaterThanOrEqual(598);
    expect(Number(attr(r, "Session-Timeout")?.[0])).toBeLessThanOrEqual(600);
    expect(await papEmpty(c)).toBe(Code.AccessAccept);
    expect(code(await auth(`User-Name = "${c}"\nCHAP-Password = "${c}"`))).toBe("Access-Reject");
    expect(code(await auth(`User-Name = "${c}"\nUser-Password = "${c}"`))).toBe("Access-Reject");
  });
});
