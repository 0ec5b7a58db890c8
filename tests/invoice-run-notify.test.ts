// The recurring run tells the subscriber about the invoices it issues, as a manual invoice does:
// the tenant's invoice templates are queued in the invoice's transaction, once per invoice.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInvoices } from "../apps/worker/src/invoice-jobs.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";
import { api, outboxOf, tenantClient } from "./notify-support.ts";

const DAY = 86_400_000;
let stack: Stack;
let a: TestTenant;
let c: Awaited<ReturnType<typeof tenantClient>>;

const worker = () => ({
  db: stack.runtime.deps.db,
  tenantClients: stack.runtime.deps.tenantClients,
  logger: pino({ level: "silent" }),
});

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  c = await tenantClient(stack, a.id);
  for (const tpl of [
    { event: "invoice", channel: "sms", body: "Invoice {{invoice.number}}: {{invoice.amount}} due {{invoice.due_at}}" },
    { event: "invoice", channel: "email", subject: "Invoice {{invoice.number}}", body: "{{invoice.amount}}" },
  ]) {
    expect((await api(stack, a, "POST", "/api/notifications/templates", tpl)).status).toBe(201);
  }
});
afterAll(() => stack.close());

describe("notifications for invoices the worker issues", () => {
  it("queues the invoice-issued e-mail and SMS once per invoice, in the run's transaction", async () => {
    const plan = await api(stack, a, "POST", "/api/plans", {
      name: "Home 20",
      downloadKbps: 20_000,
      uploadKbps: 5_000,
      priceCents: 2_500,
      validityDays: 30,
    });
    const mk = async (username: string, extra: Record<string, unknown>) => {
      const res = await api(stack, a, "POST", "/api/subscribers", {
        username,
        password: "pw-123456",
        planId: plan.body.plan.id,
        expiresAt: new Date(Date.now() + 2 * DAY).toISOString(),
        ...extra,
      });
      expect(res.status).toBe(201);
      return res.body.subscriber.id as string;
    };
    const both = await mk("run-notified", { email: "run@example.test", phone: "+254700000101" });
    const smsOff = await mk("run-no-sms", { email: "nosms@example.test", phone: "+254700000102", notifySms: false });

    const [run] = await runInvoices(worker(), { tenantIds: [a.id] });
    expect(run?.prepaidIssued).toBe(2);
    const invoices = await api(stack, a, "GET", `/api/invoices?subscriberId=${both}`);
    const invoice = invoices.body.items[0];
    const rows = (await outboxOf(c)).filter((r) => r.event === "invoice");
    expect(
      rows.filter((r) => r.subscriberId === both).map((r) => [r.channel, r.recipient, r.dedupeKey, r.subject]),
    ).toEqual([
      ["email", "run@example.test", `invoice:${invoice.id}`, `Invoice ${invoice.number}`],
      ["sms", "+254700000101", `invoice:${invoice.id}`, ""],
    ]);
    const sms = rows.find((r) => r.subscriberId === both && r.channel === "sms");
    expect(sms?.body).toMatch(new RegExp(`^Invoice ${invoice.number}: \\S*25\\.00 due \\d{4}-\\d{2}-\\d{2}`));
    // The subscriber's opt-out is kept: e-mail only.
    expect(rows.filter((r) => r.subscriberId === smsOff).map((r) => r.channel)).toEqual(["email"]);

    // A second run issues nothing and queues nothing.
    const [again] = await runInvoices(worker(), { tenantIds: [a.id] });
    expect(again?.prepaidIssued).toBe(0);
    expect((await outboxOf(c)).filter((r) => r.event === "invoice")).toHaveLength(rows.length);
  });
});
