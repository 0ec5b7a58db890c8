import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tenants } from "@proxpanel/db";
import { eq, sql } from "drizzle-orm";
import { extractText, getDocumentProxy } from "unpdf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import type { TenantContext } from "../../env.ts";
import { raw } from "../settings/test-support.ts";
import { codeBits, DEFAULT_ALPHABET, freshCodes } from "./codes.ts";

let stack: Stack;
let dataDir: string;
let a: TestTenant;
let tenant: TenantContext;
let planId = "";

const op = (method: string, p: string, body?: unknown) =>
  stack.request(method, p, { host: a.host, token: a.token, body });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "proxpanel-vouchers-"));
  stack = await startStack({ DATA_DIR: dataDir });
  a = await signupTenant(stack);
  const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id)))[0];
  if (!row) throw new Error("tenant row missing");
  tenant = { ...stack.runtime.deps.tenantClients.get(row.schemaName), id: a.id, slug: a.slug };
  const plan = await op("POST", "/api/plans", { name: "Hotspot", downloadKbps: 4000, uploadKbps: 1000 });
  planId = plan.body.plan.id;
  await stack.runtime.deps.db
    .update(tenants)
    .set({ modules: ["resellers"] })
    .where(eq(tenants.id, a.id));
  await stack.runtime.deps.resolver.invalidate({ tenantId: a.id });
});
afterAll(async () => {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A reseller made by the owner and topped up, its signed-in requests, and a reader of its balance. */
async function toppedUpReseller(name: string, email: string, amountCents: number) {
  const rid = (await op("POST", "/api/resellers", { name, email, password: "reseller-password" })).body.reseller
    .id as string;
  const login = await stack.request("POST", "/api/auth/login", {
    host: a.host,
    body: { email, password: "reseller-password" },
  });
  const r = (method: string, p: string, body?: unknown) =>
    stack.request(method, p, { host: a.host, token: login.body.token, body });
  await op("POST", `/api/resellers/${rid}/topup`, { amountCents });
  const balance = async () =>
    (await tenant.db.select().from(tenant.t.resellers).where(eq(tenant.t.resellers.id, rid)))[0]?.balanceCents;
  return { rid, r, balance, userId: login.body.user.id as string };
}

describe("voucher codes", () => {
  it("draws distinct codes of the asked shape from the alphabet, with the prefix", () => {
    const codes = freshCodes(500, "HS-", DEFAULT_ALPHABET, 8);
    expect(new Set(codes.map((c) => c.toLowerCase())).size).toBe(500);
    for (const c of codes) expect(c).toMatch(/^HS-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/);
    expect(codeBits(DEFAULT_ALPHABET, 10)).toBeGreaterThan(49);
  });
});

describe("voucher batches", () => {
  it("generates a batch of unique codes with its limits, lists it with counts, exports CSV and prints cards", async () => {
    const res = await op("POST", "/api/vouchers/batches", {
      name: "=SUM(1) Cafe",
      count: 25,
      planId,
      timeLimitS: 7200,
      dataLimitBytes: 1_000_000_000,
      validityS: 7 * 86400,
      priceCents: 250,
      prefix: "CF",
      codeLength: 8,
    });
    expect(res.status).toBe(201);
    const batch = res.body.batch;
    expect(batch).toMatchObject({ count: 25, unused: 25, active: 0, planName: "Hotspot", priceCents: 250 });
    const list = await op("GET", `/api/vouchers?batchId=${batch.id}&limit=100`);
    expect(list.body.total).toBe(25);
    const codes: string[] = list.body.items.map((v: { code: string }) => v.code);
    expect(new Set(codes).size).toBe(25);
    for (const c of codes) expect(c).toMatch(/^CF[A-Z2-9]{8}$/);
    expect(list.body.items[0]).toMatchObject({ state: "unused", timeLimitS: 7200, priceCents: 250 });

    const batches = await op("GET", "/api/vouchers/batches?search=cafe");
    expect(batches.body.items.map((b: { id: string }) => b.id)).toEqual([batch.id]);

    const csv = await op("GET", `/api/vouchers/batches/${batch.id}/export.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = String(csv.body).trim().split("\n");
    expect(lines[0]).toBe(
      "code,state,batch,price,currency,time_limit_s,data_limit_bytes,validity_s,first_used_at,expires_at,used_seconds,used_bytes",
    );
    expect(lines).toHaveLength(26);
    // The batch name starts with "=": the cell goes out as text, not a formula.
    expect(lines[1]).toContain(",'=SUM(1) Cafe,2.50,USD,7200,1000000000,604800,");

    const pdf = await raw(stack, "GET", `/api/vouchers/batches/${batch.id}/cards.pdf`, null, {
      host: a.host,
      authorization: `Bearer ${a.token}`,
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    const doc = await getDocumentProxy(new Uint8Array(pdf.bytes));
    // 25 cards at 10 a page.
    expect(doc.numPages).toBe(3);
    const { text } = await extractText(doc, { mergePages: true });
    for (const c of codes) expect(text).toContain(c);
    expect(text).toContain("$2.50");
    // Wrapped to the card's width.
    expect(text.replace(/\s+/g, " ")).toContain("2 h online · 1 GB · valid 7 days from first use");
  });

  it("disables one voucher and re-enables it, disables a batch, deletes an unused batch and refuses a used one", async () => {
    const made = await op("POST", "/api/vouchers/batches", { count: 3, validityS: 3600 });
    const id = made.body.batch.id;
    const items = (await op("GET", `/api/vouchers?batchId=${id}`)).body.items;
    const one = items[0].id;
    expect((await op("PATCH", `/api/vouchers/${one}`, { disabled: true })).body.voucher.status).toBe("disabled");
    expect((await op("GET", `/api/vouchers?batchId=${id}&state=disabled`)).body.total).toBe(1);
    expect((await op("PATCH", `/api/vouchers/${one}`, { disabled: false })).body.voucher.status).toBe("unused");
    expect((await op("POST", `/api/vouchers/batches/${id}/disable`)).body).toEqual({ disabled: 3 });

    // One voucher used: the batch is history and cannot be deleted.
    await tenant.db
      .update(tenant.t.vouchers)
      .set({
        firstUsedAt: new Date(Date.now() - 7200_000),
        expiresAt: new Date(Date.now() - 3600_000),
        status: "active",
      })
      .where(eq(tenant.t.vouchers.id, one));
    expect(
      (await op("GET", `/api/vouchers?batchId=${id}&state=expired`)).body.items.map((v: { id: string }) => v.id),
    ).toEqual([one]);
    expectError(await op("DELETE", `/api/vouchers/batches/${id}`), 409, "conflict");

    const spare = await op("POST", "/api/vouchers/batches", { count: 2, timeLimitS: 600 });
    expect((await op("DELETE", `/api/vouchers/batches/${spare.body.batch.id}`)).status).toBe(204);
    expect((await op("GET", `/api/vouchers?batchId=${spare.body.batch.id}`)).body.total).toBe(0);
    const audit = await op("GET", "/api/audit-logs?limit=100");
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    for (const act of [
      "voucher_batch.create",
      "voucher.disable",
      "voucher.enable",
      "voucher_batch.disable",
      "voucher_batch.delete",
    ]) {
      expect(actions).toContain(act);
    }
  });

  it("counts the vouchers ever used, a used one disabled afterwards included, as deleting the batch judges them", async () => {
    // One voucher each: never used (the first), used, used and then disabled, disabled before any use.
    // The two disabled ones look alike in the per-state counts; only `used` tells them apart.
    const made = await op("POST", "/api/vouchers/batches", { name: "Counted", count: 4, timeLimitS: 3600 });
    const id = made.body.batch.id;
    const [, used, usedDisabled, disabled] = (await op("GET", `/api/vouchers?batchId=${id}`)).body.items.map(
      (v: { id: string }) => v.id,
    );
    for (const v of [used, usedDisabled]) {
      await tenant.db
        .update(tenant.t.vouchers)
        .set({ firstUsedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000), status: "active" })
        .where(eq(tenant.t.vouchers.id, v));
    }
    for (const v of [usedDisabled, disabled]) await op("PATCH", `/api/vouchers/${v}`, { disabled: true });
    const counts = { count: 4, unused: 1, active: 1, usedUp: 0, expired: 0, disabled: 2, used: 2 };
    const listed = (await op("GET", "/api/vouchers/batches?search=counted")).body.items;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, ...counts });
    expect((await op("GET", `/api/vouchers/batches/${id}`)).body.batch).toMatchObject(counts);
    expectError(await op("DELETE", `/api/vouchers/batches/${id}`), 409, "conflict");

    // Only disabled never-used vouchers: used 0, and the batch is deleted.
    const off = (await op("POST", "/api/vouchers/batches", { name: "Counted off", count: 2, timeLimitS: 3600 })).body
      .batch.id;
    await op("POST", `/api/vouchers/batches/${off}/disable`);
    expect((await op("GET", `/api/vouchers/batches/${off}`)).body.batch).toMatchObject({ disabled: 2, used: 0 });
    expect((await op("DELETE", `/api/vouchers/batches/${off}`)).status).toBe(204);
  });

  it("keeps a batch whose voucher's first login commits while the batch is being deleted (409)", async () => {
    const id = (await op("POST", "/api/vouchers/batches", { name: "Raced", count: 2, timeLimitS: 3600 })).body.batch.id;
    const first = (await op("GET", `/api/vouchers?batchId=${id}`)).body.items[0].id as string;
    const db = stack.runtime.deps.db;
    // The RADIUS daemon's first-use write, held open until the deletion has counted no used voucher
    // and waits on this row's lock; it commits then, as a login landing in that moment would.
    const { deletion } = await tenant.db.transaction(async (tx) => {
      await tx
        .update(tenant.t.vouchers)
        .set({ firstUsedAt: new Date(), status: "active" })
        .where(eq(tenant.t.vouchers.id, first));
      const deletion = op("DELETE", `/api/vouchers/batches/${id}`);
      for (let i = 0; i < 200; i++) {
        const waiting = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query ilike 'delete from%vouchers%'`);
        if (waiting[0]?.n) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      return { deletion };
    });
    expectError(await deletion, 409, "conflict");
    expect((await op("GET", `/api/vouchers?batchId=${id}`)).body.total).toBe(2);
  });

  it("refuses a batch without any limit, guessable codes and a repeated alphabet, naming the field", async () => {
    const none = await op("POST", "/api/vouchers/batches", { count: 1 });
    expectError(none, 400, "validation_error");
    expect(none.body.error.message).toContain("timeLimitS");
    const short = await op("POST", "/api/vouchers/batches", {
      count: 1,
      validityS: 3600,
      codeLength: 4,
      alphabet: "0123456789",
    });
    expectError(short, 400, "validation_error");
    expect(short.body.error.message).toContain("codeLength");
    const rep = await op("POST", "/api/vouchers/batches", { count: 1, validityS: 3600, alphabet: "AABBCCDDEEFF" });
    expect(rep.body.error.message).toContain("alphabet");
    // A login finds a code whatever its case: "aA" would count one character twice.
    const cased = await op("POST", "/api/vouchers/batches", {
      count: 1,
      validityS: 3600,
      alphabet: "abcdefghABCDEFGH",
      codeLength: 12,
    });
    expectError(cased, 400, "validation_error");
    expect(cased.body.error.message).toMatch(/^alphabet: .*both cases/);
    const digits = await op("POST", "/api/vouchers/batches", {
      count: 5,
      validityS: 3600,
      alphabet: "0123456789",
      codeLength: 10,
    });
    expect(digits.status).toBe(201);
    const codes = (await op("GET", `/api/vouchers?batchId=${digits.body.batch.id}`)).body.items.map(
      (v: { code: string }) => v.code,
    );
    expect(codes).toHaveLength(5);
    for (const c of codes) expect(c).toMatch(/^[0-9]{10}$/);
    expectError(await op("POST", "/api/vouchers/batches", { count: 0, validityS: 60 }), 400, "validation_error");
    expectError(
      await op("POST", "/api/vouchers/batches", { count: 1, validityS: 60, rateLimit: "fast" }),
      400,
      "validation_error",
    );
  });

  it("stores the RADIUS password mode and the QR login address", async () => {
    expect((await op("GET", "/api/vouchers/settings")).body.settings).toEqual({ passwordMode: "code", loginUrl: null });
    const put = await op("PUT", "/api/vouchers/settings", {
      passwordMode: "empty",
      loginUrl: "http://wifi.example/login",
    });
    expect(put.body.settings).toEqual({ passwordMode: "empty", loginUrl: "http://wifi.example/login" });
    expectError(
      await op("PUT", "/api/vouchers/settings", { passwordMode: "empty", loginUrl: "javascript:alert(1)" }),
      400,
      "validation_error",
    );
    await op("PUT", "/api/vouchers/settings", { passwordMode: "code", loginUrl: null });
  });
});

describe("resellers buying vouchers", () => {
  it("charges count x price to the reseller's balance in the batch's transaction; an insufficient balance creates nothing", async () => {
    const email = "vouch@resellers.example";
    const made = await op("POST", "/api/resellers", { name: "Kiosk", email, password: "reseller-password" });
    expect(made.status).toBe(201);
    const rid = made.body.reseller.id;
    const login = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email, password: "reseller-password" },
    });
    const r = (method: string, p: string, body?: unknown) =>
      stack.request(method, p, { host: a.host, token: login.body.token, body });
    await op("POST", `/api/resellers/${rid}/topup`, { amountCents: 1000 });

    const tooMuch = await r("POST", "/api/vouchers/batches", { count: 5, priceCents: 300, timeLimitS: 3600 });
    expectError(tooMuch, 409, "insufficient_balance");
    const [row] = await tenant.db.select().from(tenant.t.resellers).where(eq(tenant.t.resellers.id, rid));
    expect(row?.balanceCents).toBe(1000);
    expect((await r("GET", "/api/vouchers/batches")).body.total).toBe(0);

    const ok = await r("POST", "/api/vouchers/batches", { count: 4, priceCents: 250, timeLimitS: 3600 });
    expect(ok.status).toBe(201);
    expect(ok.body.batch).toMatchObject({ resellerId: rid, chargedCents: 1000, resellerName: "Kiosk" });
    const [after] = await tenant.db.select().from(tenant.t.resellers).where(eq(tenant.t.resellers.id, rid));
    expect(after?.balanceCents).toBe(0);
    const moves = await tenant.db.select().from(tenant.t.transactions).where(eq(tenant.t.transactions.resellerId, rid));
    expect(moves.map((m) => [m.type, m.amountCents, m.balanceAfterCents])).toContainEqual([
      "reseller_charge",
      -1000,
      0,
    ]);

    // The reseller sees its own batch and vouchers only; the owner sees all.
    expect((await r("GET", "/api/vouchers/batches")).body.items.map((b: { id: string }) => b.id)).toEqual([
      ok.body.batch.id,
    ]);
    expect((await r("GET", "/api/vouchers?limit=100")).body.total).toBe(4);
    expect((await op("GET", "/api/vouchers?limit=100")).body.total).toBeGreaterThan(4);
  });

  it("refunds the reseller the price of unused vouchers deleted, one or a whole batch; a used one is 409 for staff too", async () => {
    const { rid, r, balance } = await toppedUpReseller("Refunds", "refund@resellers.example", 2000);

    const first = (await r("POST", "/api/vouchers/batches", { count: 4, priceCents: 250, timeLimitS: 3600 })).body
      .batch;
    const second = (await r("POST", "/api/vouchers/batches", { count: 3, priceCents: 100, timeLimitS: 3600 })).body
      .batch;
    expect(await balance()).toBe(700);
    const codes = (batchId: string) =>
      r("GET", `/api/vouchers?batchId=${batchId}&limit=100`).then((x) => x.body.items as { id: string }[]);
    const [used, unused] = await codes(first.id);
    // A login started this one's validity (as RADIUS does on first use).
    await tenant.db
      .update(tenant.t.vouchers)
      .set({ firstUsedAt: new Date(), status: "active" })
      .where(eq(tenant.t.vouchers.id, used?.id ?? ""));

    expect((await op("DELETE", `/api/vouchers/${unused?.id}`)).status).toBe(204);
    expect(await balance()).toBe(950);
    // Its use is history, and it was sold: the owner cannot delete it either (as a batch with one).
    const refused = await op("DELETE", `/api/vouchers/${used?.id}`);
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toContain("This voucher has been used");
    expect((await codes(first.id)).map((v) => v.id)).toContain(used?.id);
    expect(await balance()).toBe(950);

    // The operator deletes one voucher of the second batch alone, then the batch: each unused
    // voucher is refunded once.
    const [one] = await codes(second.id);
    expect((await op("DELETE", `/api/vouchers/${one?.id}`)).status).toBe(204);
    expect(await balance()).toBe(1050);
    expect((await op("DELETE", `/api/vouchers/batches/${second.id}`)).status).toBe(204);
    expect(await balance()).toBe(1250);

    const moves = await tenant.db.select().from(tenant.t.transactions).where(eq(tenant.t.transactions.resellerId, rid));
    expect(moves.filter((m) => m.type === "adjustment").map((m) => [m.amountCents, m.balanceAfterCents])).toEqual([
      [250, 950],
      [100, 1050],
      [200, 1250],
    ]);
    const audit = await tenant.db
      .select()
      .from(tenant.t.auditLogs)
      .where(eq(tenant.t.auditLogs.entityId, second.id as string));
    expect(audit.find((x) => x.action === "voucher_batch.delete")?.details).toMatchObject({
      vouchers: 2,
      refundedCents: 200,
      refundedTo: rid,
    });
    const [stillFirst] = await tenant.db
      .select()
      .from(tenant.t.voucherBatches)
      .where(eq(tenant.t.voucherBatches.id, first.id as string));
    expect(stillFirst?.chargedCents).toBe(750);
  });

  it("lets a reseller delete its own unused vouchers and batches, refunded in the same transaction with audit; a used one stays", async () => {
    const { rid, r, balance, userId } = await toppedUpReseller("Self refunds", "self-refund@resellers.example", 1000);
    const kept = (await r("POST", "/api/vouchers/batches", { count: 3, priceCents: 100, timeLimitS: 3600 })).body.batch;
    const gone = (await r("POST", "/api/vouchers/batches", { count: 2, priceCents: 150, timeLimitS: 3600 })).body.batch;
    expect(await balance()).toBe(400);
    const items = async (batchId: string) =>
      (await r("GET", `/api/vouchers?batchId=${batchId}&limit=100`)).body.items as { id: string }[];
    const [used, unused] = await items(kept.id);
    await tenant.db
      .update(tenant.t.vouchers)
      .set({ firstUsedAt: new Date(), status: "active" })
      .where(eq(tenant.t.vouchers.id, used?.id ?? ""));

    // One unused voucher: refunded; the used one: refused, kept, nothing refunded.
    expect((await r("DELETE", `/api/vouchers/${unused?.id}`)).status).toBe(204);
    expect(await balance()).toBe(500);
    const refused = await r("DELETE", `/api/vouchers/${used?.id}`);
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toContain("only vouchers never used can be");
    expect((await items(kept.id)).map((v) => v.id)).toContain(used?.id);
    expectError(await r("DELETE", `/api/vouchers/batches/${kept.id}`), 409, "conflict");
    expect(await balance()).toBe(500);
    // A whole batch of unused vouchers.
    expect((await r("DELETE", `/api/vouchers/batches/${gone.id}`)).status).toBe(204);
    expect(await balance()).toBe(800);
    expect((await r("GET", `/api/vouchers/batches/${gone.id}`)).status).toBe(404);

    const moves = await tenant.db.select().from(tenant.t.transactions).where(eq(tenant.t.transactions.resellerId, rid));
    expect(moves.filter((m) => m.type === "adjustment").map((m) => [m.amountCents, m.balanceAfterCents])).toEqual([
      [100, 500],
      [300, 800],
    ]);
    const audit = await tenant.db
      .select()
      .from(tenant.t.auditLogs)
      .where(eq(tenant.t.auditLogs.entityId, gone.id as string));
    const entry = audit.find((x) => x.action === "voucher_batch.delete");
    expect(entry?.details).toMatchObject({ vouchers: 2, refundedCents: 300, refundedTo: rid });
    expect(entry?.actorUserId).toBe(userId);
    const one = await tenant.db
      .select()
      .from(tenant.t.auditLogs)
      .where(eq(tenant.t.auditLogs.entityId, unused?.id ?? ""));
    expect(one.map((x) => [x.action, (x.details as { refundedCents?: number }).refundedCents])).toEqual([
      ["voucher.delete", 100],
    ]);
  });

  it("deletes a disabled voucher never used and refunds it once, for the reseller and for staff; a used one stays, disabled or not", async () => {
    const { rid, r, balance } = await toppedUpReseller("Disabled refunds", "disabled-refund@resellers.example", 1000);
    const batch = (await r("POST", "/api/vouchers/batches", { count: 5, priceCents: 100, timeLimitS: 3600 })).body
      .batch;
    expect(await balance()).toBe(500);
    const [mine, staffs, usedOn, usedOff, spare] = (await r("GET", `/api/vouchers?batchId=${batch.id}&limit=100`)).body
      .items as { id: string }[];
    const used = [usedOn?.id ?? "", usedOff?.id ?? ""];
    for (const id of used) {
      await tenant.db
        .update(tenant.t.vouchers)
        .set({ firstUsedAt: new Date(), status: "active" })
        .where(eq(tenant.t.vouchers.id, id));
    }
    // Disabling refunds nothing: the refund comes once, at the deletion.
    for (const v of [mine, staffs, usedOff]) {
      expect((await op("PATCH", `/api/vouchers/${v?.id}`, { disabled: true })).body.voucher.status).toBe("disabled");
    }
    expect(await balance()).toBe(500);

    expect((await r("DELETE", `/api/vouchers/${mine?.id}`)).status).toBe(204);
    expect(await balance()).toBe(600);
    expectError(await r("DELETE", `/api/vouchers/${mine?.id}`), 404, "not_found");
    expectError(await op("DELETE", `/api/vouchers/${mine?.id}`), 404, "not_found");
    // Staff deleting a reseller's disabled voucher: refunded to the reseller that paid, the same way.
    expect((await op("DELETE", `/api/vouchers/${staffs?.id}`)).status).toBe(204);
    expect(await balance()).toBe(700);
    // Used, active or disabled: 409 for both, nothing refunded, the voucher kept.
    for (const id of used) {
      for (const call of [r, op]) {
        const res = await call("DELETE", `/api/vouchers/${id}`);
        expectError(res, 409, "conflict");
        expect(res.body.error.message).toBe(
          "This voucher has been used, so it cannot be deleted or refunded; only vouchers never used can be. Disable it instead.",
        );
      }
    }
    expect(await balance()).toBe(700);
    const left = (await r("GET", `/api/vouchers?batchId=${batch.id}&limit=100`)).body.items as { id: string }[];
    expect(left.map((v) => v.id).sort()).toEqual([...used, spare?.id].sort());

    const moves = await tenant.db.select().from(tenant.t.transactions).where(eq(tenant.t.transactions.resellerId, rid));
    expect(moves.filter((m) => m.type === "adjustment").map((m) => [m.amountCents, m.balanceAfterCents])).toEqual([
      [100, 600],
      [100, 700],
    ]);
    const [row] = await tenant.db
      .select()
      .from(tenant.t.voucherBatches)
      .where(eq(tenant.t.voucherBatches.id, batch.id as string));
    expect(row?.chargedCents).toBe(300);
    for (const v of [mine, staffs]) {
      const audit = await tenant.db
        .select()
        .from(tenant.t.auditLogs)
        .where(eq(tenant.t.auditLogs.entityId, v?.id ?? ""));
      expect(audit.filter((x) => x.action === "voucher.delete").map((x) => x.details)).toMatchObject([
        { before: { status: "disabled", firstUsedAt: null }, refundedCents: 100, refundedTo: rid },
      ]);
    }
  });

  it("refunds a voucher deleted several times at once, or with its batch at once, exactly once", async () => {
    const { rid, r, balance } = await toppedUpReseller("Races", "races@resellers.example", 2000);
    const batch = (await r("POST", "/api/vouchers/batches", { count: 3, priceCents: 250, timeLimitS: 3600 })).body
      .batch;
    expect(await balance()).toBe(1250);
    const [one, two] = (await r("GET", `/api/vouchers?batchId=${batch.id}&limit=100`)).body.items as { id: string }[];
    await op("PATCH", `/api/vouchers/${one?.id}`, { disabled: true });

    // The reseller and the owner, four requests each, at the same time: one deletion, one refund.
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? op : r)("DELETE", `/api/vouchers/${one?.id}`)),
    );
    expect(all.map((x) => x.status).sort()).toEqual([204, 404, 404, 404, 404, 404, 404, 404]);
    expect(await balance()).toBe(1500);
    const refunds = async () =>
      (await tenant.db.select().from(tenant.t.transactions).where(eq(tenant.t.transactions.resellerId, rid))).filter(
        (m) => m.type === "adjustment",
      );
    expect((await refunds()).map((m) => m.amountCents)).toEqual([250]);

    // One voucher and its whole batch at once: the two left are refunded once between them.
    const both = await Promise.all([
      r("DELETE", `/api/vouchers/${two?.id}`),
      op("DELETE", `/api/vouchers/batches/${batch.id}`),
      r("DELETE", `/api/vouchers/batches/${batch.id}`),
    ]);
    expect(both.filter((x) => x.status === 204).length).toBeGreaterThanOrEqual(1);
    for (const x of both) expect([204, 404]).toContain(x.status);
    expect(await balance()).toBe(2000);
    expect((await refunds()).reduce((sum, m) => sum + m.amountCents, 0)).toBe(750);
    expect((await r("GET", `/api/vouchers?batchId=${batch.id}`)).body.total).toBe(0);
  });
});
