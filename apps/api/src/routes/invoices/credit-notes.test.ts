import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { expectError, systemCtx } from "../settings/test-support.ts";
import { createCreditNote } from "./credit-notes.ts";

let stack: Stack;
let a: TestTenant;
let ctx: ServiceCtx;

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  ctx = await systemCtx(stack, a);
});
afterAll(() => stack.close());

const op = (method: string, p: string, body?: unknown) =>
  stack.request(method, p, { host: a.host, token: a.token, body });
let seq = 0;
async function subscriberWithInvoice(amountCents: number, balanceCents = 0) {
  seq += 1;
  const [s] = await ctx.tenant.db
    .insert(ctx.tenant.t.subscribers)
    .values({ username: `cn-${seq}`, passwordEnc: "x", balanceCents })
    .returning();
  if (!s) throw new Error("no subscriber");
  const inv = await op("POST", "/api/invoices", { subscriberId: s.id, amountCents, description: "Service" });
  expect(inv.status).toBe(201);
  return { sub: s, invoice: inv.body.invoice as { id: string; number: number } };
}
const balance = async (id: string) =>
  (await ctx.tenant.db.select().from(ctx.tenant.t.subscribers).where(eq(ctx.tenant.t.subscribers.id, id)))[0]
    ?.balanceCents;

describe("partial payments", () => {
  it("keeps the invoice unpaid while parts come in, marks it paid when covered, credits an overpayment", async () => {
    const { sub, invoice } = await subscriberWithInvoice(10_000);
    const first = await op("POST", `/api/invoices/${invoice.id}/payments`, { amountCents: 4_000 });
    expect(first.status).toBe(201);
    expect(first.body.invoice).toMatchObject({ status: "unpaid", amountPaidCents: 4_000 });
    const second = await op("POST", `/api/invoices/${invoice.id}/payments`, { amountCents: 5_000 });
    expect(second.body.invoice).toMatchObject({ status: "unpaid", amountPaidCents: 9_000 });
    expectError(await op("POST", `/api/invoices/${invoice.id}/void`), 409, "conflict");
    // 1,500 against the 1,000 still owed: paid, and 500 stays on the balance.
    const last = await op("POST", `/api/invoices/${invoice.id}/payments`, { amountCents: 1_500 });
    expect(last.body.invoice).toMatchObject({ status: "paid", amountPaidCents: 10_000 });
    expect(await balance(sub.id)).toBe(500);
    expectError(await op("POST", `/api/invoices/${invoice.id}/payments`, { amountCents: 1 }), 409, "conflict");
    const audit = await op("GET", `/api/audit-logs?entityType=invoice&entityId=${invoice.id}`);
    expect(audit.status).toBe(200);
  });

  it("pays the remainder from the balance", async () => {
    const { sub, invoice } = await subscriberWithInvoice(3_000, 5_000);
    await op("POST", `/api/invoices/${invoice.id}/payments`, { amountCents: 1_000 });
    const rest = await op("POST", `/api/invoices/${invoice.id}/payments`, { fromBalance: true });
    expect(rest.body.invoice).toMatchObject({ status: "paid", amountPaidCents: 3_000 });
    expect(await balance(sub.id)).toBe(3_000);
  });
});

describe("credit notes", () => {
  it("reduces what an unpaid invoice owes, then credits the balance with what was already paid", async () => {
    const { sub, invoice } = await subscriberWithInvoice(10_000);
    await op("POST", `/api/invoices/${invoice.id}/payments`, { amountCents: 6_000 });
    // Owed 4,000: a 3,000 note lowers it to 1,000 and moves no money.
    const a1 = await op("POST", `/api/invoices/${invoice.id}/credit-notes`, { amountCents: 3_000, reason: "Outage" });
    expect(a1.status).toBe(201);
    expect(a1.body.invoice).toMatchObject({ status: "unpaid", creditedCents: 3_000 });
    expect(a1.body.transaction).toBeNull();
    expect(await balance(sub.id)).toBe(0);
    // 2,000 more: 1,000 clears the rest (settled), 1,000 of the money paid goes back as credit.
    const a2 = await op("POST", `/api/invoices/${invoice.id}/credit-notes`, { amountCents: 2_000, reason: "Goodwill" });
    expect(a2.body.invoice).toMatchObject({ status: "paid", creditedCents: 5_000 });
    expect(a2.body.transaction).toMatchObject({ type: "credit_note", amountCents: 1_000 });
    expect(await balance(sub.id)).toBe(1_000);
    expect(a2.body.creditNote.number).toBe(a1.body.creditNote.number + 1);
    // Never more than the invoice's total over all notes.
    expectError(
      await op("POST", `/api/invoices/${invoice.id}/credit-notes`, { amountCents: 5_001, reason: "Too much" }),
      400,
      "validation_error",
    );
    const list = await op("GET", `/api/invoices/${invoice.id}/credit-notes`);
    expect(list.body.items.map((n: { amountCents: number }) => n.amountCents)).toEqual([3_000, 2_000]);
  });

  it("numbers credit notes 1..N in their own sequence without gaps under concurrency and rollbacks", async () => {
    const { invoice } = await subscriberWithInvoice(100_000);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        inTransaction(ctx, async (tx) => {
          const r = await createCreditNote({
            ctx: tx,
            input: { invoiceId: invoice.id, amountCents: 100, reason: `n${i}` },
          });
          if (i % 4 === 0) throw new Error("rolled back on purpose");
          return r.creditNote.number;
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(15);
    const all = (await ctx.tenant.db.select({ n: ctx.tenant.t.creditNotes.number }).from(ctx.tenant.t.creditNotes))
      .map((r) => r.n)
      .sort((x, y) => x - y);
    expect(all).toEqual(all.map((_, i) => i + 1));
    // Invoice numbers are a sequence of their own: still 1..N.
    const inv = (await ctx.tenant.db.select({ n: ctx.tenant.t.invoices.number }).from(ctx.tenant.t.invoices))
      .map((r) => r.n)
      .sort((x, y) => x - y);
    expect(inv).toEqual(inv.map((_, i) => i + 1));
  });

  it("is refused to staff without billing.edit and across tenants", async () => {
    const { invoice } = await subscriberWithInvoice(1_000);
    const b = await signupTenant(stack);
    expectError(
      await stack.request("POST", `/api/invoices/${invoice.id}/credit-notes`, {
        host: b.host,
        token: b.token,
        body: { amountCents: 100, reason: "x" },
      }),
      404,
      "not_found",
    );
  });
});
