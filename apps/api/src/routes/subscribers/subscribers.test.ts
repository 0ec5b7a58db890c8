import { tenants } from "@proxpanel/db";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let planId: string;

const api = (method: string, path: string, body?: unknown, t: TestTenant = a) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  const res = await api("POST", "/api/plans", {
    name: "Home 20M",
    downloadKbps: 20000,
    uploadKbps: 5000,
    priceCents: 1500,
    validityDays: 30,
  });
  expect(res.status).toBe(201);
  planId = res.body.plan.id;
});
afterAll(() => stack.close());

describe("service plans", () => {
  it("creates, lists with the MikroTik rate limit, updates and refuses duplicates and bad quotas", async () => {
    const res = await api("POST", "/api/plans", {
      name: "Burst 50M",
      downloadKbps: 50000,
      uploadKbps: 10000,
      burstDownloadKbps: 80000,
      burstUploadKbps: 20000,
      quotaBytes: 100 * 1024 ** 3,
      quotaPeriod: "monthly",
      fupAction: "throttle",
      fupDownloadKbps: 2000,
      fupUploadKbps: 1000,
    });
    expect(res.status).toBe(201);
    const list = await api("GET", "/api/plans?search=burst");
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].rateLimit).toBe("10000k/50000k 20000k/80000k 7500k/37500k 8/8");
    expect((await api("POST", "/api/plans", { name: "burst 50m", downloadKbps: 1, uploadKbps: 1 })).status).toBe(409);
    const bad = await api("POST", "/api/plans", {
      name: "Q",
      downloadKbps: 1,
      uploadKbps: 1,
      quotaBytes: 10,
      fupAction: "throttle",
      quotaPeriod: "daily",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_error");
    const patched = await api("PATCH", `/api/plans/${res.body.plan.id}`, { priceCents: 2500 });
    expect(patched.body.plan.priceCents).toBe(2500);
  });
});

describe("subscribers", () => {
  it("creates with a sealed password, hides it, reveals it on request, and audits before/after", async () => {
    const res = await api("POST", "/api/subscribers", {
      username: "alice",
      password: "pppoe-secret",
      planId,
      fullName: "Alice",
    });
    expect(res.status).toBe(201);
    const sub = res.body.subscriber;
    expect(sub.passwordEnc).toBeUndefined();
    expect(new Date(sub.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const [tenant] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id));
    const raw = await stack.runtime.deps.db.execute<{ password_enc: string }>(
      sql`select password_enc from ${sql.identifier(tenant?.schemaName ?? "")}.subscribers where id = ${sub.id}`,
    );
    expect(raw[0]?.password_enc).not.toContain("pppoe-secret");

    const reveal = await api("POST", `/api/subscribers/${sub.id}/reveal-password`);
    expect(reveal.body.password).toBe("pppoe-secret");

    const upd = await api("PATCH", `/api/subscribers/${sub.id}`, {
      phone: "+964 750 000 0000",
      password: "new-secret",
    });
    expect(upd.status).toBe(200);
    expect((await api("POST", `/api/subscribers/${sub.id}/reveal-password`)).body.password).toBe("new-secret");
    const audit = await api("GET", `/api/audit-logs?entityType=subscriber&entityId=${sub.id}&action=subscriber.update`);
    expect(audit.body.items[0].details.before.phone).toBeNull();
    expect(audit.body.items[0].details.after.phone).toBe("+964 750 000 0000");
    expect(JSON.stringify(audit.body.items)).not.toContain("new-secret");
  });

  it("searches by username prefix, filters, sorts and pages", async () => {
    for (const u of ["bob1", "bob2", "bob3", "carol"]) {
      expect((await api("POST", "/api/subscribers", { username: u, password: "pass1234", planId })).status).toBe(201);
    }
    await api(
      "POST",
      `/api/subscribers/${(await api("GET", "/api/subscribers?search=bob3")).body.items[0].id}/disable`,
    );
    const page = await api("GET", "/api/subscribers?search=BOB&limit=2&sort=username&order=desc");
    expect(page.body.total).toBe(3);
    expect(page.body.items.map((s: { username: string }) => s.username)).toEqual(["bob3", "bob2"]);
    const disabled = await api("GET", "/api/subscribers?status=disabled");
    expect(disabled.body.items.map((s: { username: string }) => s.username)).toEqual(["bob3"]);
    expect((await api("GET", "/api/subscribers?limit=1000")).status).toBe(400);
  });

  it("refuses a duplicate username (any case) and an unknown plan, leaving data unchanged", async () => {
    const before = (await api("GET", "/api/subscribers")).body.total;
    const dup = await api("POST", "/api/subscribers", { username: "ALICE", password: "pass1234", planId });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "conflict" });
    const noPlan = await api("POST", "/api/subscribers", {
      username: "zed",
      password: "pass1234",
      planId: "00000000-0000-4000-8000-000000000000",
    });
    expect(noPlan.status).toBe(400);
    expect((await api("GET", "/api/subscribers")).body.total).toBe(before);
  });

  it("changes plan and disables/enables", async () => {
    const other = await api("POST", "/api/plans", { name: "Other", downloadKbps: 1000, uploadKbps: 1000 });
    const sub = (await api("POST", "/api/subscribers", { username: "dave", password: "pass1234", planId })).body
      .subscriber;
    const moved = await api("POST", `/api/subscribers/${sub.id}/change-plan`, { planId: other.body.plan.id });
    expect(moved.body.subscriber.planId).toBe(other.body.plan.id);
    expect((await api("POST", `/api/subscribers/${sub.id}/disable`)).body.subscriber.status).toBe("disabled");
    expect((await api("POST", `/api/subscribers/${sub.id}/enable`)).body.subscriber.status).toBe("active");
    expect((await api("DELETE", `/api/plans/${other.body.plan.id}`)).status).toBe(409);
    const plans = await api("GET", "/api/plans?search=Other");
    expect(plans.body.items[0].subscribers).toBe(1);
  });
});

describe("renewal", () => {
  it("extends by the plan's validity, charges the balance and records invoice and transaction", async () => {
    const sub = (await api("POST", "/api/subscribers", { username: "renewme", password: "pass1234", planId })).body
      .subscriber;
    const poor = await api("POST", `/api/subscribers/${sub.id}/renew`);
    expect(poor.status).toBe(409);
    expect(poor.body.error.code).toBe("insufficient_balance");
    expect((await api("GET", `/api/subscribers/${sub.id}`)).body.subscriber.expiresAt).toBe(sub.expiresAt);
    const pay = await api("POST", "/api/transactions/payments", {
      subscriberId: sub.id,
      amountCents: 2000,
      description: "cash at the office",
    });
    expect(pay.status, JSON.stringify(pay.body)).toBeLessThan(300);
    const renewed = await api("POST", `/api/subscribers/${sub.id}/renew`);
    expect(renewed.status).toBe(200);
    const after = (await api("GET", `/api/subscribers/${sub.id}`)).body.subscriber;
    expect(new Date(after.expiresAt).getTime() - new Date(sub.expiresAt).getTime()).toBe(30 * 86_400_000);
    expect(after.balanceCents).toBe(500);
    const invoices = await api("GET", `/api/invoices?subscriberId=${sub.id}`);
    expect(invoices.body.items).toHaveLength(1);
    expect(invoices.body.items[0]).toMatchObject({ amountCents: 1500, status: "paid" });
  });
});

describe("subscriber cap", () => {
  it("admits exactly one of 50 parallel creations at cap − 1, and a lowered cap blocks without removing", async () => {
    const t = await signupTenant(stack);
    const p = await api("POST", "/api/plans", { name: "Cap plan", downloadKbps: 1000, uploadKbps: 1000 }, t);
    const op = await superAdminSession(stack);
    for (let i = 0; i < 4; i++) {
      await api("POST", "/api/subscribers", { username: `pre${i}`, password: "pass1234", planId: p.body.plan.id }, t);
    }
    await stack.request("PATCH", `/api/saas/tenants/${t.id}`, { token: op.token, body: { subscriberCap: 5 } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api("POST", "/api/subscribers", { username: `race${i}`, password: "pass1234", planId: p.body.plan.id }, t),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(49);
    expect(refused[0]?.body.error.code).toBe("quota_exceeded");
    expect((await api("GET", "/api/subscribers", undefined, t)).body.total).toBe(5);

    await stack.request("PATCH", `/api/saas/tenants/${t.id}`, { token: op.token, body: { subscriberCap: 2 } });
    expect((await api("GET", "/api/subscribers", undefined, t)).body.total).toBe(5);
    const blocked = await api(
      "POST",
      "/api/subscribers",
      { username: "late", password: "pass1234", planId: p.body.plan.id },
      t,
    );
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.message).toMatch(/limit reached \(5 of 2\)/);
  });
});

describe("CSV import and export", () => {
  it("dry-runs with a report of every bad row, refuses a bad file whole, imports a good one", async () => {
    const t = await signupTenant(stack);
    await api("POST", "/api/plans", { name: "Fibre", downloadKbps: 1000, uploadKbps: 1000 }, t);
    await api(
      "POST",
      "/api/subscribers",
      {
        username: "taken",
        password: "pass1234",
        planId: (await api("GET", "/api/plans", undefined, t)).body.items[0].id,
      },
      t,
    );
    const bad = [
      "username,password,plan,static_ip,mac_address,email",
      "good1,secret1,Fibre,,,",
      "bad name,secret1,Fibre,,,",
      "good2,x,NoSuchPlan,,,",
      "taken,secret1,Fibre,,,",
      "good1,secret1,Fibre,,,",
      "good3,secret1,fibre,10.0.0.300,zz,not-an-email",
    ].join("\n");
    const send = (csv: string, dryRun: boolean) =>
      stack.request("POST", `/api/subscribers/import?dryRun=${dryRun}`, {
        host: t.host,
        token: t.token,
        headers: { "content-type": "text/csv" },
        body: csv,
      });
    const dry = await send(bad, true);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ rows: 6, valid: 1, dryRun: true, imported: 0 });
    expect(dry.body.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(dry.body.errors.find((e: { line: number }) => e.line === 4).errors.join()).toMatch(/password.*plan/s);
    expect(dry.body.errors.find((e: { line: number }) => e.line === 7).errors).toHaveLength(3);

    const refused = await send(bad, false);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.errors).toHaveLength(5);
    expect((await api("GET", "/api/subscribers", undefined, t)).body.total).toBe(1);

    const good =
      "username,password,plan,full_name,mac_address\nimp1,secret1,Fibre,Imported One,aa-bb-cc-dd-ee-ff\nimp2,secret2,FIBRE,,";
    const done = await send(good, false);
    expect(done.status).toBe(201);
    expect(done.body.imported).toBe(2);

    const csv = await stack.request("GET", "/api/subscribers/export.csv", { host: t.host, token: t.token });
    expect(csv.headers["content-type"]).toMatch(/text\/csv/);
    const lines = String(csv.body).trim().split("\n");
    expect(lines[0]).toBe(
      "username,plan,status,expires_at,full_name,email,phone,address,static_ip,static_ipv6_prefix,delegated_ipv6_prefix,simultaneous_use,mac_address,notes,balance",
    );
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["imp1", "imp2", "taken"]);
    expect(lines[1]).toContain("AA:BB:CC:DD:EE:FF");
  });
});
