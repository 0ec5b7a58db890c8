import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;

const api = (method: string, path: string, body?: unknown, t: TestTenant = a) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
});
afterAll(() => stack.close());

describe("IPv6 pools", () => {
  it("cuts a prefix into subscriber prefixes, lists them, refuses bad input and overlaps", async () => {
    const res = await api("POST", "/api/ipv6-pools", { name: "PD", prefix: "2001:DB8:100::/48", assignLength: 56 });
    expect(res.status).toBe(201);
    expect(res.body.pool).toMatchObject({
      prefix: "2001:db8:100::/48",
      assignLength: 56,
      size: 256,
      used: 0,
      free: 256,
    });
    const id = res.body.pool.id as string;
    const page = await api("GET", `/api/ipv6-pools/${id}/allocations?limit=2`);
    expect(page.body.items.map((x: { prefix: string }) => x.prefix)).toEqual([
      "2001:db8:100::/56",
      "2001:db8:100:100::/56",
    ]);
    expect(page.body.total).toBe(256);
    expect((await api("GET", "/api/ipv6-pools?search=p")).body.items).toHaveLength(1);

    for (const [body, status, code, message] of [
      [{ name: "Host bits", prefix: "2001:db8:200::1/48", assignLength: 64 }, 400, "validation_error", /^prefix/],
      [{ name: "Huge", prefix: "2001:db9::/32", assignLength: 64 }, 400, "validation_error", /^assignLength/],
      [{ name: "Short", prefix: "2001:db8:400::/48", assignLength: 48 - 1 }, 400, "validation_error", /assignLength/],
      [{ name: "V4", prefix: "10.0.0.0/8", assignLength: 64 }, 400, "validation_error", /prefix/],
      [{ name: "Overlap", prefix: "2001:db8:100:8000::/49", assignLength: 64 }, 409, "conflict", /PD/],
      [{ name: "pd", prefix: "2001:db8:500::/56", assignLength: 64 }, 409, "conflict", /name/],
    ] as const) {
      const r = await api("POST", "/api/ipv6-pools", body);
      expectError(r, status, code);
      expect(r.body.error.message).toMatch(message);
    }
    expect((await api("GET", "/api/ipv6-pools")).body.total).toBe(1);
  });

  it("plans name IPv6 pools; a used pool cannot go, a renamed one keeps its prefixes", async () => {
    const pool = (await api("POST", "/api/ipv6-pools", { name: "WAN", prefix: "2001:db8:900::/56", assignLength: 64 }))
      .body.pool;
    const plan = await api("POST", "/api/plans", {
      name: "V6 plan",
      downloadKbps: 1000,
      uploadKbps: 1000,
      ipv6PoolId: pool.id,
      simultaneousUse: 2,
      simultaneousUseAction: "disconnect_oldest",
    });
    expect(plan.status).toBe(201);
    expect(plan.body.plan).toMatchObject({
      ipv6PoolId: pool.id,
      simultaneousUse: 2,
      simultaneousUseAction: "disconnect_oldest",
    });
    const refused = await api("DELETE", `/api/ipv6-pools/${pool.id}`);
    expectError(refused, 409, "conflict");
    expect((await api("PATCH", `/api/ipv6-pools/${pool.id}`, { name: "WAN-2" })).body.pool).toMatchObject({
      name: "WAN-2",
      size: 256,
    });
    await api("PATCH", `/api/plans/${plan.body.plan.id}`, { ipv6PoolId: null });
    expect((await api("DELETE", `/api/ipv6-pools/${pool.id}`)).status).toBe(204);
    expectError(await api("GET", `/api/ipv6-pools/${pool.id}`), 404, "not_found");
  });

  it("stores a subscriber's static prefixes in one spelling and refuses duplicates and host bits", async () => {
    const planId = (await api("POST", "/api/plans", { name: "Static v6", downloadKbps: 1000, uploadKbps: 1000 })).body
      .plan.id;
    const made = await api("POST", "/api/subscribers", {
      username: "v6static",
      password: "secret-1",
      planId,
      staticIpv6Prefix: "2001:0DB8:0A00:0000::/64",
      delegatedIpv6Prefix: "2001:db8:b00::/56",
      simultaneousUse: 3,
    });
    expect(made.status).toBe(201);
    expect(made.body.subscriber).toMatchObject({
      staticIpv6Prefix: "2001:db8:a00::/64",
      delegatedIpv6Prefix: "2001:db8:b00::/56",
      simultaneousUse: 3,
    });
    const dup = await api("POST", "/api/subscribers", {
      username: "v6dup",
      password: "secret-1",
      planId,
      staticIpv6Prefix: "2001:db8:a00::/64",
    });
    expectError(dup, 409, "conflict");
    expect(dup.body.error.message).toMatch(/static IPv6 prefix/);
    const bits = await api("PATCH", `/api/subscribers/${made.body.subscriber.id}`, {
      delegatedIpv6Prefix: "2001:db8:b00::1/56",
    });
    expectError(bits, 400, "validation_error");
    expect(bits.body.error.message).toMatch(/delegatedIpv6Prefix/);
    const cleared = await api("PATCH", `/api/subscribers/${made.body.subscriber.id}`, {
      staticIpv6Prefix: null,
      simultaneousUse: null,
    });
    expect(cleared.body.subscriber).toMatchObject({ staticIpv6Prefix: null, simultaneousUse: null });
  });

  it("refuses a static prefix that overlaps another subscriber's or lies in an IPv6 pool, naming the field", async () => {
    const planId = (await api("POST", "/api/plans", { name: "Overlap v6", downloadKbps: 1000, uploadKbps: 1000 })).body
      .plan.id;
    const pool = await api("POST", "/api/ipv6-pools", { name: "Dyn", prefix: "2001:db8:7000::/48", assignLength: 64 });
    expect(pool.status).toBe(201);
    const owner = await api("POST", "/api/subscribers", {
      username: "v6owner",
      password: "secret-1",
      planId,
      delegatedIpv6Prefix: "2001:db8:8000::/56",
    });
    expect(owner.status).toBe(201);
    const create = (extra: Record<string, string>) =>
      api("POST", "/api/subscribers", { username: "v6other", password: "secret-1", planId, ...extra });
    for (const [body, message] of [
      // Inside the other subscriber's delegated /56, from the other column.
      [{ staticIpv6Prefix: "2001:db8:8000:10::/64" }, /^staticIpv6Prefix: .*another subscriber/],
      // Around it, in the same column.
      [{ delegatedIpv6Prefix: "2001:db8:8000::/48" }, /^delegatedIpv6Prefix: .*another subscriber/],
      // Inside the pool RADIUS hands prefixes out from.
      [{ staticIpv6Prefix: "2001:db8:7000:5::/64" }, /^staticIpv6Prefix: .*pool "Dyn"/],
      [{ delegatedIpv6Prefix: "2001:db8:7000:100::/56" }, /^delegatedIpv6Prefix: .*pool "Dyn"/],
    ] as const) {
      const r = await create(body);
      expectError(r, 400, "validation_error");
      expect(r.body.error.message).toMatch(message);
    }
    const other = await create({ staticIpv6Prefix: "2001:db8:8001::/64", delegatedIpv6Prefix: "2001:db8:8100::/56" });
    expect(other.status).toBe(201);
    const moved = await api("PATCH", `/api/subscribers/${other.body.subscriber.id}`, {
      delegatedIpv6Prefix: "2001:db8:7000:200::/56",
    });
    expectError(moved, 400, "validation_error");
    expect(moved.body.error.message).toMatch(/^delegatedIpv6Prefix: .*pool/);
    // Saving a subscriber with its own prefixes unchanged is not an overlap with itself.
    const same = await api("PATCH", `/api/subscribers/${owner.body.subscriber.id}`, {
      delegatedIpv6Prefix: "2001:db8:8000::/56",
      fullName: "Owner",
    });
    expect(same.status).toBe(200);

    // The CSV import follows the same rule, per line and column, and imports nothing; the dry run
    // reports exactly what the real import refuses.
    const header = "username,password,plan,static_ipv6_prefix,delegated_ipv6_prefix\n";
    for (const [rows, expected] of [
      [
        "v6csv1,secret1,Overlap v6,2001:db8:7000:9::/64,\n",
        [{ line: 2, username: "v6csv1", errors: [expect.stringMatching(/^static_ipv6_prefix: .*pool "Dyn"/)] }],
      ],
      [
        // Another subscriber's delegated /56 holds line 2's /64; line 3 repeats line 2's /64 inside its
        // own delegated prefix, and line 4 has a bad e-mail besides an overlap: both problems listed.
        "v6csv1,secret1,Overlap v6,2001:db8:8000:20::/64,\n" +
          "v6csv2,secret1,Overlap v6,,2001:db8:9000::/56\n" +
          "v6csv3,secret1,Overlap v6,2001:db8:9000:1::/64,\n",
        [
          { line: 2, username: "v6csv1", errors: [expect.stringMatching(/^static_ipv6_prefix: .*another subscriber/)] },
          {
            line: 4,
            username: "v6csv3",
            errors: [
              "static_ipv6_prefix: 2001:db8:9000:1::/64 overlaps line 3's delegated_ipv6_prefix (2001:db8:9000::/56)",
            ],
          },
        ],
      ],
    ] as const) {
      const send = (dryRun: boolean) =>
        stack.request("POST", `/api/subscribers/import?dryRun=${dryRun}`, {
          host: a.host,
          token: a.token,
          headers: { "content-type": "text/csv" },
          body: header + rows,
        });
      const dry = await send(true);
      expect(dry.status).toBe(200);
      expect(dry.body.errors).toEqual(expected);
      const real = await send(false);
      expectError(real, 422, "validation_error");
      expect(real.body.error.details.errors).toEqual(dry.body.errors);
    }
    const mixed = await stack.request("POST", "/api/subscribers/import?dryRun=true", {
      host: a.host,
      token: a.token,
      headers: { "content-type": "text/csv" },
      body: "username,password,plan,email,delegated_ipv6_prefix\nv6csv4,secret1,Overlap v6,not-mail,2001:db8:7000:100::/56\n",
    });
    expect(mixed.body.errors[0].errors).toEqual([
      expect.stringMatching(/^email: /),
      expect.stringMatching(/^delegated_ipv6_prefix: .*pool "Dyn"/),
    ]);
    expect((await api("GET", "/api/subscribers?search=v6csv")).body.total).toBe(0);

    // The pool side: a new pool around a subscriber's static prefix (either column) is refused.
    for (const [prefix, assignLength, n] of [
      ["2001:db8:8000::/40", 56, 2], // around both subscribers' prefixes
      ["2001:db8:8001::/48", 64, 1], // around the second one's static /64
    ] as const) {
      const r = await api("POST", "/api/ipv6-pools", { name: "Around", prefix, assignLength });
      expectError(r, 409, "conflict");
      expect(r.body.error.message).toContain(`static IPv6 prefix of ${n} subscriber(s)`);
    }
    expect((await api("GET", "/api/ipv6-pools?search=around")).body.total).toBe(0);
    const beside = await api("POST", "/api/ipv6-pools", {
      name: "Beside",
      prefix: "2001:db8:8200::/48",
      assignLength: 64,
    });
    expect(beside.status).toBe(201);
  });

  it("imports and exports IPv6 prefixes and Simultaneous-Use in the subscriber CSV", async () => {
    const send = (csv: string) =>
      stack.request("POST", "/api/subscribers/import?dryRun=false", {
        host: a.host,
        token: a.token,
        headers: { "content-type": "text/csv" },
        body: csv,
      });
    const bad = await send(
      "username,password,plan,static_ipv6_prefix,delegated_ipv6_prefix,simultaneous_use\ncsv6a,secret1,Static v6,2001:db8:c00::5/64,,0",
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.errors[0].errors.join()).toMatch(/static_ipv6_prefix.*simultaneous_use/s);
    const good = await send(
      "username,password,plan,static_ipv6_prefix,delegated_ipv6_prefix,simultaneous_use\ncsv6a,secret1,Static v6,2001:DB8:C00::/64,2001:db8:d00::/56,2",
    );
    expect(good.status).toBe(201);
    const csv = await stack.request("GET", "/api/subscribers/export.csv", { host: a.host, token: a.token });
    const lines = String(csv.body).trim().split("\n");
    const header = (lines[0] ?? "").split(",");
    const row = (lines.find((l) => l.startsWith("csv6a,")) ?? "").split(",");
    const col = (name: string) => row[header.indexOf(name)];
    expect([col("static_ipv6_prefix"), col("delegated_ipv6_prefix"), col("simultaneous_use")]).toEqual([
      "2001:db8:c00::/64",
      "2001:db8:d00::/56",
      "2",
    ]);
  });
});
