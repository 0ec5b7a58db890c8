import { hashPassword } from "@proxpanel/auth";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
const ids = { planB: "", resellerB: "", batchB: "", voucherB: "", batchA: "" };
const RANDOM = "7b0c6a52-2f58-4c53-9a0e-4b8a3c1d2e3f";

const as = (t: TestTenant) => (method: string, p: string, body?: unknown) =>
  stack.request(method, p, { host: t.host, token: t.token, body });

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  for (const t of [a, b]) {
    await stack.runtime.deps.db
      .update(tenants)
      .set({ modules: ["resellers"] })
      .where(eq(tenants.id, t.id));
    await stack.runtime.deps.resolver.invalidate({ tenantId: t.id });
  }
  ids.planB = (
    await as(b)("POST", "/api/plans", { name: "B plan", downloadKbps: 1000, uploadKbps: 1000 })
  ).body.plan.id;
  ids.resellerB = (
    await as(b)("POST", "/api/resellers", { name: "B shop", email: "bshop@example.com", password: "reseller-password" })
  ).body.reseller.id;
  ids.batchB = (await as(b)("POST", "/api/vouchers/batches", { count: 2, validityS: 3600 })).body.batch.id;
  ids.voucherB = (await as(b)("GET", `/api/vouchers?batchId=${ids.batchB}`)).body.items[0].id;
  ids.batchA = (await as(a)("POST", "/api/vouchers/batches", { count: 1, validityS: 3600 })).body.batch.id;
});
afterAll(() => stack.close());

describe("voucher isolation", () => {
  it("refuses another tenant's plan and reseller, and random ids, naming the field, creating nothing", async () => {
    const before = (await as(a)("GET", "/api/vouchers/batches")).body.total;
    for (const [body, field] of [
      [{ planId: ids.planB }, "planId"],
      [{ planId: RANDOM }, "planId"],
      [{ resellerId: ids.resellerB }, "resellerId"],
      [{ resellerId: RANDOM }, "resellerId"],
    ] as const) {
      const res = await as(a)("POST", "/api/vouchers/batches", { count: 1, validityS: 3600, ...body });
      expectError(res, 400, "validation_error");
      expect(res.body.error.message).toContain(field);
    }
    expect((await as(a)("GET", "/api/vouchers/batches")).body.total).toBe(before);
  });

  it("answers 404 for another tenant's batch and voucher on every route, and leaves them as they were", async () => {
    const op = as(a);
    for (const [method, p] of [
      ["GET", `/api/vouchers/batches/${ids.batchB}`],
      ["GET", `/api/vouchers/batches/${ids.batchB}/export.csv`],
      ["GET", `/api/vouchers/batches/${ids.batchB}/cards.pdf`],
      ["POST", `/api/vouchers/batches/${ids.batchB}/disable`],
      ["DELETE", `/api/vouchers/batches/${ids.batchB}`],
      ["DELETE", `/api/vouchers/${ids.voucherB}`],
      ["GET", `/api/vouchers/batches/${RANDOM}`],
      ["DELETE", `/api/vouchers/${RANDOM}`],
    ] as const) {
      expectError(await op(method, p), 404, "not_found");
    }
    expectError(await op("PATCH", `/api/vouchers/${ids.voucherB}`, { disabled: true }), 404, "not_found");
    expect((await op("GET", `/api/vouchers?batchId=${ids.batchB}`)).body.total).toBe(0);
    const own = await as(b)("GET", `/api/vouchers?batchId=${ids.batchB}`);
    expect(own.body.items.map((v: { state: string }) => v.state)).toEqual(["unused", "unused"]);
    expect((await as(b)("GET", `/api/vouchers/batches/${ids.batchB}`)).status).toBe(200);
  });

  it("refuses malformed ids with 400 and a token of tenant B on tenant A's host", async () => {
    expectError(await as(a)("GET", "/api/vouchers/batches/not-a-uuid"), 400, "validation_error");
    const cross = await stack.request("GET", `/api/vouchers/batches/${ids.batchA}`, { host: a.host, token: b.token });
    expect(cross.status).toBe(401);
  });

  it("needs the vouchers permissions; a reseller cannot buy for another reseller", async () => {
    const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id)))[0];
    const { db, t } = stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    const [group] = await db
      .insert(t.permissionGroups)
      .values({ name: "Viewers", permissions: ["vouchers.view"] })
      .returning();
    await db.insert(t.users).values({
      email: "viewer@vouchers.example",
      passwordHash: await hashPassword("viewer-password-1"),
      permissionGroupId: group?.id ?? null,
    });
    const login = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: "viewer@vouchers.example", password: "viewer-password-1" },
    });
    const viewer = (method: string, p: string, body?: unknown) =>
      stack.request(method, p, { host: a.host, token: login.body.token, body });
    expect((await viewer("GET", "/api/vouchers/batches")).status).toBe(200);
    expectError(await viewer("POST", "/api/vouchers/batches", { count: 1, validityS: 3600 }), 403, "forbidden");
    expectError(await viewer("POST", `/api/vouchers/batches/${ids.batchA}/disable`), 403, "forbidden");
    expectError(
      await viewer("PUT", "/api/vouchers/settings", { passwordMode: "empty", loginUrl: null }),
      403,
      "forbidden",
    );

    const mk = async (name: string) => {
      const email = `${name}@vouchers.example`;
      const r = await as(a)("POST", "/api/resellers", { name, email, password: "reseller-password" });
      const l = await stack.request("POST", "/api/auth/login", {
        host: a.host,
        body: { email, password: "reseller-password" },
      });
      return { id: r.body.reseller.id as string, token: l.body.token as string };
    };
    const r1 = await mk("one");
    const r2 = await mk("two");
    const res = await stack.request("POST", "/api/vouchers/batches", {
      host: a.host,
      token: r1.token,
      body: { count: 1, validityS: 3600, resellerId: r2.id },
    });
    expectError(res, 403, "forbidden");
    // And it does not see the owner's batches.
    const seen = await stack.request("GET", `/api/vouchers/batches/${ids.batchA}`, { host: a.host, token: r1.token });
    expectError(seen, 404, "not_found");
  });

  it("a refund for deleted vouchers goes to the buying reseller of this tenant only", async () => {
    const tenantDb = async (t: TestTenant) => {
      const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id)))[0];
      return stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    };
    const [da, dbB] = [await tenantDb(a), await tenantDb(b)];
    // Tenant B's reseller bought a batch; tenant A sold one to its own reseller.
    await as(b)("POST", `/api/resellers/${ids.resellerB}/topup`, { amountCents: 1000 });
    const soldB = await as(b)("POST", "/api/vouchers/batches", {
      count: 2,
      priceCents: 300,
      validityS: 3600,
      resellerId: ids.resellerB,
    });
    expect(soldB.status).toBe(201);
    const rA = (
      await as(a)("POST", "/api/resellers", {
        name: "A shop",
        email: "ashop@vouchers.example",
        password: "reseller-password",
      })
    ).body.reseller.id as string;
    await as(a)("POST", `/api/resellers/${rA}/topup`, { amountCents: 1000 });
    const soldA = await as(a)("POST", "/api/vouchers/batches", {
      count: 2,
      priceCents: 300,
      validityS: 3600,
      resellerId: rA,
    });
    expect(soldA.status).toBe(201);
    const stateB = async () => ({
      balance: (await dbB.db.select().from(dbB.t.resellers).where(eq(dbB.t.resellers.id, ids.resellerB)))[0]
        ?.balanceCents,
      moves: (await dbB.db.select().from(dbB.t.transactions).where(eq(dbB.t.transactions.resellerId, ids.resellerB)))
        .length,
    });
    const before = await stateB();
    expect(before.balance).toBe(400);

    // Tenant A cannot delete B's batch (so no refund happens there) ...
    expectError(await as(a)("DELETE", `/api/vouchers/batches/${soldB.body.batch.id}`), 404, "not_found");
    // ... and deleting its own refunds its own reseller, leaving B's as it was.
    expect((await as(a)("DELETE", `/api/vouchers/batches/${soldA.body.batch.id}`)).status).toBe(204);
    const [mine] = await da.db.select().from(da.t.resellers).where(eq(da.t.resellers.id, rA));
    expect(mine?.balanceCents).toBe(1000);
    expect(await stateB()).toEqual(before);
  });

  it("a reseller deletes only its own vouchers, disabled ones included: never another reseller's, the tenant's own, or another tenant's", async () => {
    const tenantDb = async (t: TestTenant) => {
      const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id)))[0];
      return stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    };
    const [da, dbB] = [await tenantDb(a), await tenantDb(b)];
    const mk = async (t: TestTenant, name: string) => {
      const email = `${name}@delete.vouchers.example`;
      const id = (await as(t)("POST", "/api/resellers", { name, email, password: "reseller-password" })).body.reseller
        .id as string;
      await as(t)("POST", `/api/resellers/${id}/topup`, { amountCents: 1000 });
      const l = await stack.request("POST", "/api/auth/login", {
        host: t.host,
        body: { email, password: "reseller-password" },
      });
      const call = (method: string, p: string, body?: unknown) =>
        stack.request(method, p, { host: t.host, token: l.body.token as string, body });
      const batch = (await call("POST", "/api/vouchers/batches", { count: 2, priceCents: 200, validityS: 3600 })).body
        .batch.id as string;
      const voucher = (await call("GET", `/api/vouchers?batchId=${batch}`)).body.items[0].id as string;
      return { id, token: l.body.token as string, call, batch, voucher };
    };
    const resA = await mk(a, "del-a");
    const resA2 = await mk(a, "del-a2");
    const resB = await mk(b, "del-b");
    const ownerVoucher = (await as(a)("GET", `/api/vouchers?batchId=${ids.batchA}`)).body.items[0].id as string;
    // A disabled voucher never used is deletable (and refunded) too, but only by its own reseller.
    const disabledA2 = (await resA2.call("GET", `/api/vouchers?batchId=${resA2.batch}`)).body.items[1].id as string;
    expect((await as(a)("PATCH", `/api/vouchers/${disabledA2}`, { disabled: true })).status).toBe(200);
    const snapshot = async () => ({
      balances: (await da.db.select().from(da.t.resellers)).map((r) => [r.name, r.balanceCents]).sort(),
      balancesB: (await dbB.db.select().from(dbB.t.resellers)).map((r) => [r.name, r.balanceCents]).sort(),
      vouchers: (await da.db.select().from(da.t.vouchers)).length,
      vouchersB: (await dbB.db.select().from(dbB.t.vouchers)).length,
      moves:
        (await da.db.select().from(da.t.transactions)).length + (await dbB.db.select().from(dbB.t.transactions)).length,
    });
    const before = await snapshot();
    // Reseller A: another reseller's voucher and batch, the tenant's own, and tenant B's, all 404.
    for (const p of [
      `/api/vouchers/${resA2.voucher}`,
      `/api/vouchers/${disabledA2}`,
      `/api/vouchers/batches/${resA2.batch}`,
      `/api/vouchers/${ownerVoucher}`,
      `/api/vouchers/batches/${ids.batchA}`,
      `/api/vouchers/${resB.voucher}`,
      `/api/vouchers/batches/${resB.batch}`,
      `/api/vouchers/${ids.voucherB}`,
    ]) {
      expectError(await resA.call("DELETE", p), 404, "not_found");
    }
    // Its token on tenant B's host is no token there.
    const cross = await stack.request("DELETE", `/api/vouchers/${resB.voucher}`, { host: b.host, token: resA.token });
    expect(cross.status).toBe(401);
    // A view-only user may not delete at all, even vouchers it can see.
    const [group] = await da.db
      .insert(da.t.permissionGroups)
      .values({ name: "Voucher viewers (delete)", permissions: ["vouchers.view"] })
      .returning();
    await da.db.insert(da.t.users).values({
      email: "viewer-delete@vouchers.example",
      passwordHash: await hashPassword("viewer-password-1"),
      permissionGroupId: group?.id ?? null,
    });
    const viewer = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: "viewer-delete@vouchers.example", password: "viewer-password-1" },
    });
    for (const p of [`/api/vouchers/${resA.voucher}`, `/api/vouchers/batches/${resA.batch}`]) {
      const res = await stack.request("DELETE", p, { host: a.host, token: viewer.body.token });
      expectError(res, 403, "forbidden");
    }
    expect(await snapshot()).toEqual(before);

    // Its own: refunded to itself only.
    expect((await resA.call("DELETE", `/api/vouchers/batches/${resA.batch}`)).status).toBe(204);
    const after = await snapshot();
    expect(after.balances).toEqual(
      before.balances.map(([name, cents]) => [name, name === "del-a" ? (cents as number) + 400 : cents]),
    );
    expect([after.balancesB, after.vouchersB]).toEqual([before.balancesB, before.vouchersB]);
    expect(after.vouchers).toBe(before.vouchers - 2);
    // The disabled one: its own reseller deletes it and gets its price back, nobody else does.
    expect((await resA2.call("DELETE", `/api/vouchers/${disabledA2}`)).status).toBe(204);
    expect((await snapshot()).balances).toEqual(
      after.balances.map(([name, cents]) => [name, name === "del-a2" ? (cents as number) + 200 : cents]),
    );
  });
});
