import { tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import { FakeNas } from "@proxpanel/radius/testing/fake-nas";
import { type RadclientResult, radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant, uniqueSlug } from "../../../tests/harness.ts";
import { startTestDaemon } from "./testing.ts";

const code = (r: RadclientResult) => r.replies[0]?.code;
const attr = (r: RadclientResult, name: string) => r.replies[0]?.attributes[name];

/** Simultaneous-Use and IPv6 through the real daemon, driven by radclient as a NAS would. */
describe("RADIUS limits and IPv6 addressing", () => {
  let stack: Stack;
  let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
  let nas: FakeNas;
  let t: TestTenant;
  const nasId = uniqueSlug("nas-lim");
  const secret = "secret-of-limits";
  const INTERIM = 60;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.request(method, path, { host: t.host, token: t.token, body });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const auth = (user: string, password: string) =>
    radclient({
      port: daemon.authPort,
      type: "auth",
      secret,
      retries: 3,
      timeoutSeconds: 2,
      packets: [
        `NAS-Identifier = "${nasId}"\nMessage-Authenticator = 0x00\nUser-Name = "${user}"\nUser-Password = "${password}"`,
      ],
    });
  const acct = (lines: string) =>
    radclient({ port: daemon.acctPort, type: "acct", secret, packets: [`NAS-Identifier = "${nasId}"\n${lines}`] });
  const start = (user: string, session: string, extra = "") =>
    acct(`Acct-Status-Type = Start\nUser-Name = "${user}"\nAcct-Session-Id = "${session}"\n${extra}`);
  const stop = (user: string, session: string) =>
    acct(`Acct-Status-Type = Stop\nUser-Name = "${user}"\nAcct-Session-Id = "${session}"\nAcct-Session-Time = 30`);
  const tables = async () => {
    const [row] = await stack.runtime.deps.db
      .select({ schemaName: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, t.id));
    return tenantTables(row?.schemaName ?? "");
  };
  const plan = async (body: Record<string, unknown>) =>
    (await api("POST", "/api/plans", { downloadKbps: 10_000, uploadKbps: 5_000, ...body })).plan.id as string;
  const subscriber = async (username: string, planId: string, extra: Record<string, unknown> = {}) =>
    (await api("POST", "/api/subscribers", { username, password: `${username}-pw`, planId, ...extra })).subscriber
      .id as string;

  beforeAll(async () => {
    requireRadclient();
    stack = await startStack();
    t = await signupTenant(stack);
    nas = await FakeNas.open(secret);
    await api("POST", "/api/nas", {
      name: "Lim",
      ipAddress: "127.0.0.1",
      identifier: nasId,
      secret,
      coaPort: nas.port,
    });
    const deps = stack.runtime.deps;
    daemon = await startTestDaemon(deps, { interimInterval: INTERIM });
  });

  afterAll(async () => {
    nas?.close();
    await daemon?.stop();
    await stack?.close();
  });

  it("rejects a second login while the first session is open, logs why, and admits again after Stop", async () => {
    const single = await plan({ name: "Single", simultaneousUse: 1 });
    const id = await subscriber("solo", single);
    expect(code(await auth("solo", "solo-pw"))).toBe("Access-Accept");
    expect(code(await start("solo", "solo-1"))).toBe("Accounting-Response");

    const second = await auth("solo", "solo-pw");
    expect(code(second)).toBe("Access-Reject");
    expect(attr(second, "Reply-Message")).toEqual(["Simultaneous-use limit reached"]);
    await daemon.source.flush();
    const logs = await api("GET", `/api/auth-logs?subscriberId=${id}&result=reject`);
    expect(logs.items.map((l: { reason: string }) => l.reason)).toEqual(["simultaneous_use"]);
    expect(logs.items[0].reasonText).toMatch(/simultaneous-use limit/i);

    // The subscriber's own limit wins over the plan's.
    await api("PATCH", `/api/subscribers/${id}`, { simultaneousUse: 2 });
    const raised = await auth("solo", "solo-pw");
    expect(code(raised)).toBe("Access-Accept");
    await api("PATCH", `/api/subscribers/${id}`, { simultaneousUse: null });
    expect(code(await auth("solo", "solo-pw"))).toBe("Access-Reject");

    expect(code(await stop("solo", "solo-1"))).toBe("Accounting-Response");
    expect(code(await auth("solo", "solo-pw"))).toBe("Access-Accept");
  });

  it("does not count a session silent for three interim intervals", async () => {
    const single = await plan({ name: "Single stale", simultaneousUse: 1 });
    await subscriber("ghost", single);
    // Held by the NAS for longer than 3 x the interim interval: last heard of that long ago.
    expect(code(await start("ghost", "ghost-1", `Acct-Delay-Time = ${3 * INTERIM + 30}`))).toBe("Accounting-Response");
    const t6 = await tables();
    const [row] = await stack.runtime.deps.db
      .select({ stop: t6.radacct.stopTime })
      .from(t6.radacct)
      .where(eq(t6.radacct.acctSessionId, "ghost-1"));
    expect(row?.stop).toBeNull();
    expect(code(await auth("ghost", "ghost-pw"))).toBe("Access-Accept");
    // A fresh one counts.
    expect(code(await start("ghost", "ghost-2"))).toBe("Accounting-Response");
    expect(code(await auth("ghost", "ghost-pw"))).toBe("Access-Reject");
  });

  it("with disconnect-oldest, admits the new login and sends the NAS a Disconnect-Request for the oldest", async () => {
    const kick = await plan({ name: "Kick", simultaneousUse: 1, simultaneousUseAction: "disconnect_oldest" });
    await subscriber("kicker", kick);
    expect(code(await start("kicker", "kick-old"))).toBe("Accounting-Response");
    nas.received.length = 0;
    expect(code(await auth("kicker", "kicker-pw"))).toBe("Access-Accept");
    await expect.poll(() => nas.received.length, { timeout: 10_000 }).toBe(1);
    const req = nas.received[0];
    expect(req?.code).toBe(40);
    expect(req?.attributes["User-Name"]).toBe("kicker");
    expect(req?.attributes["Acct-Session-Id"]).toBe("kick-old");
  });

  it("hands out Framed-IPv6-Prefix and Delegated-IPv6-Prefix from the plan's pools, keeps them, and honours static ones", async () => {
    const wan = (await api("POST", "/api/ipv6-pools", { name: "WAN", prefix: "2001:db8:10::/56", assignLength: 64 }))
      .pool.id;
    const pd = (await api("POST", "/api/ipv6-pools", { name: "PD", prefix: "2001:db8:1000::/48", assignLength: 56 }))
      .pool.id;
    const v6 = await plan({ name: "Dual stack", ipv6PoolId: wan, delegatedIpv6PoolId: pd });
    await subscriber("dual", v6);
    await subscriber("fixed", v6, { staticIpv6Prefix: "2001:DB8:FF::/64", delegatedIpv6Prefix: "2001:db8:ff00::/56" });

    const first = await auth("dual", "dual-pw");
    expect(code(first)).toBe("Access-Accept");
    expect(attr(first, "Framed-IPv6-Prefix")).toEqual(["2001:db8:10::/64"]);
    expect(attr(first, "Delegated-IPv6-Prefix")).toEqual(["2001:db8:1000::/56"]);
    // Stable across logins: a delegated prefix that moved would renumber the customer's LAN.
    const again = await auth("dual", "dual-pw");
    expect(attr(again, "Delegated-IPv6-Prefix")).toEqual(["2001:db8:1000::/56"]);
    expect((await api("GET", `/api/ipv6-pools/${pd}`)).pool).toMatchObject({ size: 256, used: 1, free: 255 });

    const fixed = await auth("fixed", "fixed-pw");
    expect(attr(fixed, "Framed-IPv6-Prefix")).toEqual(["2001:db8:ff::/64"]);
    expect(attr(fixed, "Delegated-IPv6-Prefix")).toEqual(["2001:db8:ff00::/56"]);

    const started = await start(
      "dual",
      "dual-1",
      "Framed-IPv6-Prefix = 2001:db8:10::/64\nDelegated-IPv6-Prefix = 2001:db8:1000::/56\nFramed-Interface-Id = 0200:00ff:fe00:0001",
    );
    expect(code(started)).toBe("Accounting-Response");
    const tb = await tables();
    const [row] = await stack.runtime.deps.db
      .select({
        v6: tb.radacct.framedIpv6Prefix,
        pd: tb.radacct.delegatedIpv6Prefix,
        ifid: tb.radacct.framedInterfaceId,
      })
      .from(tb.radacct)
      .where(eq(tb.radacct.acctSessionId, "dual-1"));
    expect(row).toEqual({ v6: "2001:db8:10::/64", pd: "2001:db8:1000::/56", ifid: "200:ff:fe00:1" });
  });
});
