import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ntPasswordHash } from "./mschap.ts";
import { SECRET, startTestServer, type TestServer } from "./testing/fixtures.ts";
import { radclient, requireRadclient } from "./testing/radclient.ts";

let t: TestServer;
const future = new Date(Date.now() + 3 * 86_400_000);

beforeAll(async () => {
  t = await startTestServer((s) => {
    s.addSubscriber("t1", { username: "bob", password: "bob-pass", status: "active", expiresAt: future });
    s.addSubscriber("t1", { username: "hash-only", ntHash: ntPasswordHash("nt-pass"), status: "active" });
    s.addSubscriber("t1", { username: "old", password: "old-pass", status: "active", expiresAt: new Date(0) });
    s.addSubscriber("t1", { username: "off", password: "off-pass", status: "disabled" });
    s.addSubscriber("t1", {
      username: "bound",
      password: "bound-pass",
      status: "active",
      macBinding: "AA:BB:CC:DD:EE:01",
    });
    s.addSubscriber("t1", { username: "heavy", password: "heavy-pass", status: "active", quotaExhausted: true });
    s.addSubscriber("t1", {
      username: "throttled",
      password: "thr-pass",
      status: "active",
      rateLimit: "50M/50M",
      quotaExhausted: true,
      quotaThrottleRateLimit: "1M/1M",
    });
    s.addSubscriber("t1", { username: "pooled", password: "pool-pass", status: "active", framedPool: "main" });
    s.addSubscriber("t1", { username: "locker", password: "lock-pass", status: "active", lockMacOnFirstLogin: true });
    s.addPool("t1", "main", ["100.64.1.1", "100.64.1.2"]);
  });
});
afterAll(async () => {
  await t.stop();
  expect(t.errors).toEqual([]);
});

// Not a skip condition: without radclient every test below fails with the install hint.
it("has FreeRADIUS radclient installed (Debian freeradius-utils)", () => {
  expect(requireRadclient()).toMatch(/radclient$/);
});

function pap(user: string, password: string, extra = ""): string {
  return `User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n${extra}`;
}

async function one(packet: string) {
  const r = await radclient({ port: t.authPort, type: "auth", secret: SECRET, packets: [packet] });
  expect(r.replies, r.stdout + r.stderr).toHaveLength(1);
  const reply = r.replies[0];
  if (!reply) throw new Error("no reply");
  return reply;
}

function lastAuth(username: string) {
  return t.source.authLog.filter((e) => e.username === username).at(-1);
}

describe("PAP through radclient", () => {
  it("accepts with rate limit, framed IP, interim interval and a Message-Authenticator", async () => {
    const reply = await one(pap("alice", "alice-pass"));
    expect(reply.code).toBe("Access-Accept");
    expect(reply.attributes["Mikrotik-Rate-Limit"]).toEqual(["10M/20M"]);
    expect(reply.attributes["Framed-IP-Address"]).toEqual(["100.64.0.10"]);
    expect(reply.attributes["Acct-Interim-Interval"]).toEqual(["120"]);
    expect(reply.attributes["Message-Authenticator"]).toHaveLength(1);
    expect(lastAuth("alice")).toMatchObject({ accepted: true, method: "pap", tenantId: "t1", nasId: "nas-1" });
  });

  it("caps Session-Timeout at the expiry", async () => {
    const reply = await one(pap("bob", "bob-pass"));
    expect(reply.code).toBe("Access-Accept");
    const timeout = Number(reply.attributes["Session-Timeout"]?.[0]);
    expect(timeout).toBeGreaterThan(3 * 86_400 - 120);
    expect(timeout).toBeLessThanOrEqual(3 * 86_400);
    expect(reply.attributes["Acct-Interim-Interval"]).toEqual(["300"]);
  });

  it("checks PAP against a stored NT hash", async () => {
    expect((await one(pap("hash-only", "nt-pass"))).code).toBe("Access-Accept");
    expect((await one(pap("hash-only", "nt-pasS"))).code).toBe("Access-Reject");
  });

  it.each([
    ["alice", "wrong", "wrong_password", "Authentication failed"],
    ["nobody", "x", "unknown_user", "Authentication failed"],
    ["old", "old-pass", "expired", "Account expired"],
    ["off", "off-pass", "disabled", "Account disabled"],
    ["heavy", "heavy-pass", "quota", "Data quota exhausted"],
  ])("rejects %s (%s) with a Reply-Message and records %s", async (user, password, reason, message) => {
    const reply = await one(pap(user, password));
    expect(reply.code).toBe("Access-Reject");
    expect(reply.attributes["Reply-Message"]).toEqual([message]);
    expect(reply.attributes["Message-Authenticator"]).toHaveLength(1);
    expect(lastAuth(user)).toMatchObject({ accepted: false, reason });
  });

  it("does not reveal account state to a wrong password", async () => {
    expect((await one(pap("off", "guess"))).attributes["Reply-Message"]).toEqual(["Authentication failed"]);
    expect(lastAuth("off")?.reason).toBe("wrong_password");
  });

  it("enforces the MAC binding whatever the MAC notation", async () => {
    const ok = await one(pap("bound", "bound-pass", 'Calling-Station-Id = "aa-bb-cc-dd-ee-01"'));
    expect(ok.code).toBe("Access-Accept");
    const other = await one(pap("bound", "bound-pass", 'Calling-Station-Id = "AA:BB:CC:DD:EE:02"'));
    expect(other.code).toBe("Access-Reject");
    expect(lastAuth("bound")?.reason).toBe("mac_mismatch");
    expect((await one(pap("bound", "bound-pass"))).code).toBe("Access-Reject");
  });

  it("locks the MAC on first login when configured", async () => {
    expect((await one(pap("locker", "lock-pass", 'Calling-Station-Id = "11:22:33:44:55:66"'))).code).toBe(
      "Access-Accept",
    );
    expect(t.source.findSubscriber("t1", "locker")?.macBinding).toBe("11:22:33:44:55:66");
    expect((await one(pap("locker", "lock-pass", 'Calling-Station-Id = "11:22:33:44:55:77"'))).code).toBe(
      "Access-Reject",
    );
  });

  it("throttles instead of rejecting when the plan says so", async () => {
    const reply = await one(pap("throttled", "thr-pass"));
    expect(reply.code).toBe("Access-Accept");
    expect(reply.attributes["Mikrotik-Rate-Limit"]).toEqual(["1M/1M"]);
  });

  it("allocates Framed-IP-Address from the pool and keeps it for the same user", async () => {
    const a = await one(pap("pooled", "pool-pass"));
    const b = await one(pap("pooled", "pool-pass"));
    expect(a.attributes["Framed-IP-Address"]).toEqual(["100.64.1.1"]);
    expect(b.attributes["Framed-IP-Address"]).toEqual(["100.64.1.1"]);
  });

  it("answers many requests in one radclient run", async () => {
    const packets = Array.from({ length: 50 }, (_, i) =>
      pap(i % 2 === 0 ? "alice" : "bob", i % 2 === 0 ? "alice-pass" : "bob-pass"),
    );
    const r = await radclient({ port: t.authPort, type: "auth", secret: SECRET, packets });
    expect(r.replies).toHaveLength(50);
    expect(r.replies.every((x) => x.code === "Access-Accept")).toBe(true);
  });
});

describe("CHAP through radclient", () => {
  const chap = (user: string, password: string) =>
    `User-Name = "${user}"\nCHAP-Password = "${password}"\nMessage-Authenticator = 0x00`;

  it("accepts the right password", async () => {
    const reply = await one(chap("alice", "alice-pass"));
    expect(reply.code).toBe("Access-Accept");
    expect(reply.attributes["Mikrotik-Rate-Limit"]).toEqual(["10M/20M"]);
    expect(lastAuth("alice")?.method).toBe("chap");
  });

  it("accepts with an explicit CHAP-Challenge", async () => {
    const reply = await one(`${chap("alice", "alice-pass")}\nCHAP-Challenge = 0x0102030405060708090a0b0c0d0e0f10`);
    expect(reply.code).toBe("Access-Accept");
  });

  it("rejects a wrong password", async () => {
    const reply = await one(chap("alice", "alice-pasx"));
    expect(reply.code).toBe("Access-Reject");
    expect(lastAuth("alice")?.reason).toBe("wrong_password");
  });

  it("rejects when only an NT hash is stored (CHAP needs the cleartext)", async () => {
    expect((await one(chap("hash-only", "nt-pass"))).code).toBe("Access-Reject");
  });
});
