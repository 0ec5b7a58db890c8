import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import type { TenantContext } from "../../env.ts";
import { renewSubscriber } from "../../services/billing.ts";
import type { ServiceCtx } from "../../services/context.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let tenant: TenantContext;
interface Login {
  id: string;
  userId: string;
  token: string;
}
let r1: Login;
let r2: Login;
const subs: Record<"s1" | "s2" | "s0", string> = { s1: "", s2: "", s0: "" };
const inv: Record<"s1" | "s2" | "s0", string> = { s1: "", s2: "", s0: "" };

async function bound(t: TestTenant): Promise<TenantContext> {
  const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id)))[0];
  if (!row) throw new Error("tenant row missing");
  return { ...stack.runtime.deps.tenantClients.get(row.schemaName), id: t.id, slug: t.slug };
}
const owner = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, body });
const as = (l: Login) => (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: l.token, body });

async function makeReseller(name: string): Promise<Login> {
  const email = `${name}@resellers.example`;
  const password = "reseller-password";
  const res = await owner("POST", "/api/resellers", { name, email, password });
  expect(res.status).toBe(201);
  expect(res.body.reseller).toMatchObject({ name, email, balanceCents: 0, isActive: true });
  const login = await stack.request("POST", "/api/auth/login", { host: a.host, body: { email, password } });
  expect(login.status).toBe(200);
  return { id: res.body.reseller.id, userId: res.body.reseller.userId, token: login.body.token };
}

const planId = { v: "" };
async function subscriber(username: string, resellerId: string | null, balanceCents = 0) {
  const [s] = await tenant.db
    .insert(tenant.t.subscribers)
    .values({ username, passwordEnc: "x", resellerId, planId: planId.v, balanceCents, status: "expired" })
    .returning();
  if (!s) throw new Error("no subscriber");
  return s.id;
}
const resellerCtx = (resellerId: string): ServiceCtx => ({
  tenant,
  db: tenant.db,
  actor: { userId: null, resellerId, permissions: ["subscribers.edit"], label: "reseller", ip: null, requestId: null },
});
const resellerRow = async (id: string) =>
  (await tenant.db.select().from(tenant.t.resellers).where(eq(tenant.t.resellers.id, id)))[0];

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  tenant = await bound(a);
  // Explicit override: the resolver's plan fallback selects plans.modules without joining plans
  // (reported), so a tenant relying on its plan's list currently resolves to no modules.
  for (const t of [a, b]) {
    await stack.runtime.deps.db
      .update(tenants)
      .set({ modules: ["resellers"] })
      .where(eq(tenants.id, t.id));
    await stack.runtime.deps.resolver.invalidate({ tenantId: t.id });
  }
  const [plan] = await tenant.db
    .insert(tenant.t.servicePlans)
    .values({ name: "Home 10", downloadKbps: 10_000, uploadKbps: 2_000, priceCents: 1_500, validityDays: 30 })
    .returning();
  planId.v = plan?.id ?? "";
  r1 = await makeReseller("north");
  r2 = await makeReseller("south");
  subs.s1 = await subscriber("r1-sub", r1.id, 5_000);
  subs.s2 = await subscriber("r2-sub", r2.id, 5_000);
  subs.s0 = await subscriber("house-sub", null, 5_000);
  for (const k of ["s1", "s2", "s0"] as const) {
    const res = await owner("POST", "/api/invoices", { subscriberId: subs[k], amountCents: 1_000, description: k });
    inv[k] = res.body.invoice.id;
    await owner("POST", "/api/transactions/adjustments", { subscriberId: subs[k], amountCents: 10, description: k });
  }
  expect((await owner("POST", `/api/resellers/${r1.id}/topup`, { amountCents: 2_000 })).status).toBe(201);
  expect((await owner("POST", `/api/resellers/${r2.id}/topup`, { amountCents: 700 })).status).toBe(201);
});
afterAll(() => stack.close());

describe("a reseller's login sees only its own billing data", () => {
  it("lists only its subscribers' invoices, whatever the filters", async () => {
    const mine = await as(r1)("GET", "/api/invoices");
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([inv.s1]);
    expect(mine.body.total).toBe(1);
    expect((await as(r1)("GET", `/api/invoices?subscriberId=${subs.s2}`)).body.items).toEqual([]);
    expect((await as(r1)("GET", `/api/invoices?resellerId=${r2.id}`)).body.items).toEqual([]);
    expectError(await as(r1)("GET", `/api/invoices/${inv.s2}`), 404, "not_found");
    expectError(await as(r1)("GET", `/api/invoices/${inv.s0}`), 404, "not_found");
    expect((await owner("GET", "/api/invoices")).body.total).toBe(3);
  });

  it("lists only its own and its subscribers' transactions", async () => {
    const res = await as(r1)("GET", "/api/transactions?limit=100");
    expect(res.status).toBe(200);
    const rows = res.body.items as { subscriberId: string | null; resellerId: string | null; type: string }[];
    expect(rows.map((r) => r.type).sort()).toEqual(["adjustment", "reseller_topup"]);
    expect(rows.every((r) => r.subscriberId === subs.s1 || r.resellerId === r1.id)).toBe(true);
    expect((await as(r1)("GET", `/api/transactions?resellerId=${r2.id}`)).body.items).toEqual([]);
  });

  it("sees only itself among resellers and cannot manage any", async () => {
    const list = await as(r1)("GET", "/api/resellers");
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([r1.id]);
    expect(list.body.items[0].balanceCents).toBe(2_000);
    expectError(await as(r1)("GET", `/api/resellers/${r2.id}`), 404, "not_found");
    expectError(await as(r1)("POST", `/api/resellers/${r1.id}/topup`, { amountCents: 1_000_000 }), 403, "forbidden");
    expectError(
      await as(r1)("POST", "/api/resellers", { name: "x", email: "x@x.example", password: "long-enough-pw" }),
      403,
      "forbidden",
    );
    expect((await resellerRow(r1.id))?.balanceCents).toBe(2_000);
  });

  it("cannot touch staff accounts, invoices it does not own or billing edits", async () => {
    expectError(await as(r1)("GET", "/api/users"), 403, "forbidden");
    expectError(await as(r1)("GET", "/api/permission-groups"), 403, "forbidden");
    expectError(await as(r1)("POST", `/api/invoices/${inv.s2}/payments`, {}), 403, "forbidden");
    const inv2 = await owner("GET", `/api/invoices/${inv.s2}`);
    expect(inv2.body.invoice.status).toBe("unpaid");
  });

  it("is refused on another tenant's host, and that tenant sees none of this", async () => {
    expectError(await stack.request("GET", "/api/invoices", { host: b.host, token: r1.token }), 401, "unauthorized");
    const other = (method: string, path: string, body?: unknown) =>
      stack.request(method, path, { host: b.host, token: b.token, body });
    expect((await other("GET", "/api/resellers")).body.items).toEqual([]);
    expect((await other("GET", "/api/invoices")).body.items).toEqual([]);
    expect((await other("GET", "/api/transactions")).body.items).toEqual([]);
    expectError(await other("GET", `/api/resellers/${r1.id}`), 404, "not_found");
    expectError(await other("GET", `/api/invoices/${inv.s1}`), 404, "not_found");
    expectError(await other("POST", `/api/resellers/${r1.id}/topup`, { amountCents: 5 }), 404, "not_found");
    expect((await resellerRow(r1.id))?.balanceCents).toBe(2_000);
  });
});

describe("renewals by a reseller", () => {
  it("charge the reseller's balance, not the subscriber's", async () => {
    const out = await renewSubscriber({ ctx: resellerCtx(r1.id), input: { subscriberId: subs.s1 } });
    expect(out.transaction).toMatchObject({
      type: "reseller_charge",
      resellerId: r1.id,
      amountCents: -1_500,
      balanceAfterCents: 500,
    });
    expect(out.invoice).toMatchObject({ status: "paid", resellerId: r1.id, amountCents: 1_500 });
    expect(out.subscriber).toMatchObject({ status: "active", balanceCents: 5_010 });
    expect((await resellerRow(r1.id))?.balanceCents).toBe(500);
  });

  it("refuse another reseller's subscriber as not found", async () => {
    await expect(renewSubscriber({ ctx: resellerCtx(r1.id), input: { subscriberId: subs.s2 } })).rejects.toMatchObject({
      status: 404,
      code: "not_found",
    });
    const s2 = (await tenant.db.select().from(tenant.t.subscribers).where(eq(tenant.t.subscribers.id, subs.s2)))[0];
    expect(s2).toMatchObject({ status: "expired", expiresAt: null, balanceCents: 5_010 });
  });

  it("refuse when the reseller's balance is short, changing nothing", async () => {
    const before = await tenant.db.select().from(tenant.t.invoices);
    await expect(renewSubscriber({ ctx: resellerCtx(r2.id), input: { subscriberId: subs.s2 } })).rejects.toMatchObject({
      status: 409,
      code: "insufficient_balance",
    });
    expect((await resellerRow(r2.id))?.balanceCents).toBe(700);
    expect(await tenant.db.select().from(tenant.t.invoices)).toHaveLength(before.length);
    const s2 = (await tenant.db.select().from(tenant.t.subscribers).where(eq(tenant.t.subscribers.id, subs.s2)))[0];
    expect(s2).toMatchObject({ status: "expired", expiresAt: null, balanceCents: 5_010 });
  });
});

describe("subscribers created by a reseller", () => {
  it("charge the first period to the reseller's balance, and are refused (nothing created) when it is short", async () => {
    expect((await owner("POST", `/api/resellers/${r2.id}/topup`, { amountCents: 1_500 })).status).toBe(201);
    const before = (await resellerRow(r2.id))?.balanceCents ?? 0;
    const made = await as(r2)("POST", "/api/subscribers", {
      username: "r2-new",
      password: "pass1234",
      planId: planId.v,
    });
    expect(made.status).toBe(201);
    expect(made.body.subscriber.resellerId).toBe(r2.id);
    expect((await resellerRow(r2.id))?.balanceCents).toBe(before - 1_500);
    const rows = await tenant.db
      .select()
      .from(tenant.t.transactions)
      .where(eq(tenant.t.transactions.subscriberId, made.body.subscriber.id));
    expect(rows.map((r) => [r.type, r.amountCents, r.resellerId])).toEqual([["reseller_charge", -1_500, r2.id]]);
    // What is left (the 700 it started with) is less than a period: refused, nothing created or charged.
    const balance = (await resellerRow(r2.id))?.balanceCents ?? 0;
    expect(balance).toBeLessThan(1_500);
    const short = await as(r2)("POST", "/api/subscribers", {
      username: "r2-short",
      password: "pass1234",
      planId: planId.v,
    });
    expectError(short, 409, "insufficient_balance");
    expect((await resellerRow(r2.id))?.balanceCents).toBe(balance);
    expect((await owner("GET", "/api/subscribers?search=r2-short")).body.items).toEqual([]);
    // The owner's own subscribers cost no one anything.
    expect(
      (await owner("POST", "/api/subscribers", { username: "house-new", password: "pass1234", planId: planId.v }))
        .status,
    ).toBe(201);
  });
});

describe("reseller management", () => {
  it("creates group, login and reseller together or not at all", async () => {
    const count = async () => ({
      users: (await tenant.db.select().from(tenant.t.users)).length,
      groups: (await tenant.db.select().from(tenant.t.permissionGroups)).length,
      resellers: (await tenant.db.select().from(tenant.t.resellers)).length,
    });
    const before = await count();
    const dupEmail = await owner("POST", "/api/resellers", {
      name: "east",
      email: a.email,
      password: "long-enough-pw",
    });
    expectError(dupEmail, 409, "conflict");
    const dupName = await owner("POST", "/api/resellers", {
      name: "NORTH",
      email: "n2@x.example",
      password: "long-enough-pw",
    });
    expectError(dupName, 409, "conflict");
    expectError(
      await owner("POST", "/api/resellers", { name: "", email: "bad", password: "x" }),
      400,
      "validation_error",
    );
    expect(await count()).toEqual(before);
  });

  it("gives the reseller's login the subscriber permissions of its own group", async () => {
    const me = await as(r1)("GET", "/api/auth/me");
    expect(me.body.user.permissions).toContain("subscribers.edit");
    expect(me.body.user.permissions).not.toContain("users.view");
  });

  it("top-ups add exactly under concurrency and reject bad amounts", async () => {
    const r = await makeReseller("west");
    const results = await Promise.all(
      Array.from({ length: 20 }, () => owner("POST", `/api/resellers/${r.id}/topup`, { amountCents: 125 })),
    );
    for (const res of results) expect(res.status).toBe(201);
    expect((await resellerRow(r.id))?.balanceCents).toBe(2_500);
    expectError(await owner("POST", `/api/resellers/${r.id}/topup`, { amountCents: -5 }), 400, "validation_error");
    expectError(
      await owner("POST", `/api/resellers/${crypto.randomUUID()}/topup`, { amountCents: 5 }),
      404,
      "not_found",
    );
    expect((await owner("GET", `/api/resellers/${r.id}`)).body.reseller.balanceCents).toBe(2_500);
  });

  it("deactivating a reseller kills its login at once", async () => {
    const r = await makeReseller("gone");
    expect((await as(r)("GET", "/api/invoices")).status).toBe(200);
    const res = await owner("PATCH", `/api/resellers/${r.id}`, { isActive: false });
    expect(res.body.reseller).toMatchObject({ isActive: false, userStatus: "disabled" });
    expectError(await as(r)("GET", "/api/invoices"), 401, "unauthorized");
  });

  it("answers 403 module_disabled when the tenant's plan lacks resellers", async () => {
    const c = await signupTenant(stack);
    await stack.runtime.deps.db.update(tenants).set({ modules: [] }).where(eq(tenants.id, c.id));
    await stack.runtime.deps.resolver.invalidate({ tenantId: c.id });
    const res = await stack.request("GET", "/api/resellers", { host: c.host, token: c.token });
    expectError(res, 403, "module_disabled");
    const create = await stack.request("POST", "/api/resellers", {
      host: c.host,
      token: c.token,
      body: { name: "x", email: "x@x.example", password: "long-enough-pw" },
    });
    expectError(create, 403, "module_disabled");
  });
});
