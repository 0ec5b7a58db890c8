import http from "node:http";
import { tenants } from "@proxpanel/db";
import { newCounters } from "@proxpanel/radius/counters";
import { startStatsPublisher } from "@proxpanel/radius/stats";
import { MemoryState } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import { extractText, getDocumentProxy } from "unpdf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import {
  BASE,
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
  uniqueSlug,
} from "../../../../../tests/harness.ts";
import type { TenantContext } from "../../env.ts";

let stack: Stack;
let op: string;
let a: TestTenant;
let b: TestTenant;
let tenantA: TenantContext;

const FROM = "2026-01-01";
const TO = "2026-02-01";
const IN_PERIOD = new Date("2026-01-15T12:00:00Z");
const BEFORE = new Date("2025-12-20T12:00:00Z");

const saas = (method: string, path: string, body?: unknown) => stack.request(method, path, { token: op, body });

function rawBody(path: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: stack.port, path, headers: { host: BASE, authorization: `Bearer ${op}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function bind(t: TestTenant): Promise<TenantContext> {
  const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id)))[0];
  if (!row) throw new Error("tenant row missing");
  return { ...stack.runtime.deps.tenantClients.get(row.schemaName), id: t.id, slug: t.slug };
}

beforeAll(async () => {
  stack = await startStack();
  op = (await superAdminSession(stack)).token;
  a = await signupTenant(stack, uniqueSlug("rpa"));
  b = await signupTenant(stack, uniqueSlug("rpb"));
  tenantA = await bind(a);
  const { db, t } = tenantA;
  // Tenant A: 3 subscribers (2 active), one created inside the period.
  const subs = await db
    .insert(t.subscribers)
    .values([
      { username: "alice", passwordEnc: "x", createdAt: BEFORE },
      { username: "bob", passwordEnc: "x", createdAt: IN_PERIOD },
      { username: "carol", passwordEnc: "x", status: "disabled", createdAt: BEFORE },
    ])
    .returning();
  const alice = subs[0];
  if (!alice) throw new Error("no subscriber");
  await db.insert(t.invoices).values([
    // issued and paid in the period
    { number: 1, subscriberId: alice.id, amountCents: 2_500, status: "paid", createdAt: IN_PERIOD, paidAt: IN_PERIOD },
    // issued in the period, unpaid
    { number: 2, subscriberId: alice.id, amountCents: 1_000, status: "unpaid", createdAt: IN_PERIOD },
    // void: never counted
    { number: 3, subscriberId: alice.id, amountCents: 9_999, status: "void", createdAt: IN_PERIOD },
    // issued before, paid in the period
    { number: 4, subscriberId: alice.id, amountCents: 700, status: "paid", createdAt: BEFORE, paidAt: IN_PERIOD },
  ]);
  // The money behind them: revenue is what was received in the period (2,500 + 700 for the
  // invoices, a 1,500 top-up that paid the renewal); settling charges and renewals move it, and
  // the 800 received before the period belongs to that earlier period.
  const money = (type: "payment" | "invoice_charge" | "renewal", amountCents: number, createdAt: Date) => ({
    type,
    subscriberId: alice.id,
    amountCents,
    balanceAfterCents: 0,
    createdAt,
  });
  await db
    .insert(t.transactions)
    .values([
      money("payment", 2_500, IN_PERIOD),
      money("invoice_charge", -2_500, IN_PERIOD),
      money("payment", 700, IN_PERIOD),
      money("invoice_charge", -700, IN_PERIOD),
      money("payment", 1_500, IN_PERIOD),
      money("renewal", -1_500, IN_PERIOD),
      money("payment", 800, BEFORE),
      money("renewal", -800, BEFORE),
    ]);
  const session = (id: string, start: Date, inOctets: number, outOctets: number) => ({
    acctSessionId: id,
    acctUniqueId: `${a.slug}-${id}`,
    username: "alice",
    subscriberId: alice.id,
    nasIpAddress: "10.0.0.1",
    startTime: start,
    inputOctets: inOctets,
    outputOctets: outOctets,
  });
  await db
    .insert(t.radacct)
    .values([
      session("s1", IN_PERIOD, 1_000_000, 5_000_000),
      session("s2", IN_PERIOD, 500, 700),
      session("s0", BEFORE, 123, 456),
    ]);
});
afterAll(() => stack.close());

describe("console tenant list", () => {
  it("shows subscribers against the cap, storage, last backup and schema version for each tenant", async () => {
    const forced = await saas("POST", `/api/saas/backups/tenants/${a.id}/backup`);
    expect(forced.status).toBe(201);
    const listed = await saas("GET", `/api/saas/backups/tenants/${a.id}`);
    expect(listed.body.items.map((x: { id: string }) => x.id)).toContain(forced.body.backup.id);
    expect((await saas("GET", `/api/saas/backups/tenants/${b.id}`)).body.items).toEqual([]);
    const res = await saas("GET", `/api/saas/tenants?search=${a.slug}&limit=5`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    const row = res.body.items[0];
    expect(row).toMatchObject({
      id: a.id,
      slug: a.slug,
      status: "active",
      plan: "starter",
      subscribers: 3,
      activeSubscribers: 2,
    });
    expect(row.subscriberCap).toBeGreaterThan(0);
    expect(row.schemaVersion).toBeGreaterThan(0);
    expect(row.schemaBytes).toBeGreaterThan(0);
    expect(row.backupBytes).toBeGreaterThan(0);
    expect(row.storageBytes).toBe(row.schemaBytes + row.backupBytes);
    expect(Date.parse(row.lastBackupAt)).toBeGreaterThan(Date.now() - 120_000);

    const other = await saas("GET", `/api/saas/tenants/${b.id}`);
    expect(other.body.tenant).toMatchObject({ subscribers: 0, backupBytes: 0, lastBackupAt: null });
  });

  it("lists a page of many tenants with their own counts, not their neighbours'", async () => {
    const res = await saas("GET", "/api/saas/tenants?limit=100&sort=slug&order=asc");
    const byId = new Map(res.body.items.map((t: { id: string }) => [t.id, t]));
    expect(byId.get(a.id)).toMatchObject({ subscribers: 3 });
    expect(byId.get(b.id)).toMatchObject({ subscribers: 0 });
  });
});

describe("billing and usage reports", () => {
  it("adds up one tenant's period in JSON", async () => {
    const res = await saas("GET", `/api/saas/reports/usage?from=${FROM}&to=${TO}&tenantId=${a.id}`);
    expect(res.status).toBe(200);
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.rows[0]).toMatchObject({
      slug: a.slug,
      subscribers: 3,
      activeSubscribers: 2,
      newSubscribers: 1,
      invoicesIssued: 2,
      invoicesIssuedCents: 3_500,
      invoicesPaid: 2,
      invoicesPaidCents: 3_200,
      renewalsCents: 1_500,
      revenueCents: 4_700,
      sessions: 2,
      bytesIn: 1_000_500,
      bytesOut: 5_000_700,
    });
    expect(res.body.totals).toMatchObject({ tenants: 1, revenueCents: 4_700 });
  });

  it("reports every tenant, and the CSV has one row per tenant plus the total", async () => {
    const json = await saas("GET", `/api/saas/reports/usage?from=${FROM}&to=${TO}`);
    const slugs = json.body.rows.map((r: { slug: string }) => r.slug);
    expect(slugs).toEqual(expect.arrayContaining([a.slug, b.slug]));

    const csv = await saas("GET", `/api/saas/reports/usage?from=${FROM}&to=${TO}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    expect(csv.headers["content-disposition"]).toMatch(
      /attachment; filename="proxpanel-usage-all-2026-01-01-2026-02-01\.csv"/,
    );
    const lines = (csv.body as string).trim().split("\n");
    const header = lines[0]?.split(",") ?? [];
    expect(header.slice(0, 6)).toEqual(["slug", "companyName", "plan", "status", "subscribers", "activeSubscribers"]);
    // One row per tenant between the header and TOTAL. Other test files create tenants while this
    // runs, so the CSV may list more than the JSON fetched a moment earlier, never fewer or twice.
    const csvSlugs = lines.slice(1, -1).map((l) => l.split(",")[0]);
    expect(new Set(csvSlugs).size).toBe(csvSlugs.length);
    expect(csvSlugs).toEqual(expect.arrayContaining(slugs));
    const rowA = lines.find((l) => l.startsWith(`${a.slug},`))?.split(",") ?? [];
    const col = (name: string) => rowA[header.indexOf(name)];
    expect([col("companyName"), col("subscribers"), col("revenueCents"), col("bytesOut")]).toEqual([
      `Company ${a.slug}`,
      "3",
      "4700",
      "5000700",
    ]);
    const total = lines.at(-1)?.split(",") ?? [];
    expect(total[0]).toBe("TOTAL");
    expect(Number(total[header.indexOf("revenueCents")])).toBe(json.body.totals.revenueCents);
  });

  it("renders a valid PDF naming the tenants", async () => {
    const res = await stack.request("GET", `/api/saas/reports/usage?from=${FROM}&to=${TO}&format=pdf`, { token: op });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    // httpRequest decodes bodies as UTF-8; the parser needs the bytes as sent.
    const bytes = await rawBody(`/api/saas/reports/usage?from=${FROM}&to=${TO}&format=pdf`);
    expect(Buffer.from(bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    expect(Buffer.from(bytes.subarray(-8)).toString("latin1")).toContain("%%EOF");
    const pdf = await getDocumentProxy(bytes);
    expect(pdf.numPages).toBeGreaterThanOrEqual(1);
    const { text } = await extractText(pdf, { mergePages: true });
    expect(text).toContain(a.slug);
    expect(text).toContain(`Company ${b.slug}`);
    expect(text).toContain("47.00");
  });

  it("refuses a reversed or too long period and an unknown tenant", async () => {
    expectError(await saas("GET", `/api/saas/reports/usage?from=${TO}&to=${FROM}`), 400, "validation_error");
    expectError(await saas("GET", "/api/saas/reports/usage?from=2024-01-01&to=2026-01-01"), 400, "validation_error");
    expectError(await saas("GET", `/api/saas/reports/usage?from=${FROM}`), 400, "validation_error");
    expectError(
      await saas("GET", `/api/saas/reports/usage?from=${FROM}&to=${TO}&tenantId=00000000-0000-4000-8000-000000000000`),
      404,
      "not_found",
    );
  });
});

describe("system health", () => {
  it("reports database connections, shared state, object store and live RADIUS rates", async () => {
    const counters = newCounters();
    // A publisher on its own state handle, as a separate RADIUS process would have.
    const state = stack.runtime.deps.state.kind === "memory" ? new MemoryState() : stack.runtime.deps.state;
    const publisher = startStatsPublisher({ state, counters, instanceId: `test-${uniqueSlug()}`, intervalMs: 60_000 });
    try {
      counters.received += 40;
      counters.accessRequests += 30;
      counters.accessAccepts += 25;
      counters.accessRejects += 5;
      await new Promise((r) => setTimeout(r, 200));
      await publisher.publishNow();
      // Let the message cross the bus.
      let res = await saas("GET", "/api/saas/health");
      for (
        let i = 0;
        i < 20 && !res.body.radius.instances.some((s: { instanceId: string }) => s.instanceId === publisher.instanceId);
        i++
      ) {
        await new Promise((r) => setTimeout(r, 50));
        res = await saas("GET", "/api/saas/health");
      }
      expect(res.status).toBe(200);
      expect(res.body.database.ok).toBe(true);
      expect(res.body.database.maxConnections).toBeGreaterThan(0);
      expect(res.body.database.connections).toBeGreaterThan(0);
      expect(res.body.database.connections).toBeLessThanOrEqual(res.body.database.maxConnections);
      expect(res.body.sharedState).toMatchObject({ ok: true, kind: stack.runtime.deps.state.kind });
      expect(res.body.objectStore.ok).toBe(true);
      const mine = res.body.radius.instances.find((s: { instanceId: string }) => s.instanceId === publisher.instanceId);
      expect(mine.totals).toMatchObject({ received: 40, accessAccepts: 25 });
      expect(mine.rates.received).toBeGreaterThan(0);
      expect(res.body.radius.rates.received).toBeGreaterThanOrEqual(mine.rates.received);
    } finally {
      publisher.stop();
    }
  });
});
