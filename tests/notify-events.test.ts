// Which events queue which messages: expiry reminders on the tenant's calendar, quota thresholds
// once per usage period, billing and suspension in the same transaction, and the opt-outs.
import type { BoundTenantClient } from "@proxpanel/db";
import { scanExpiryReminders, scanQuotaWarnings } from "@proxpanel/notify";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../apps/api/src/routes/settings/test-support.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";
import { addSubscriber, api, outboxOf, tenantClient, workerPass } from "./notify-support.ts";

let stack: Stack;
let a: TestTenant;
let c: BoundTenantClient;
const scope = () => ({ db: c.db, t: c.t, slug: a.slug });

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  c = await tenantClient(stack, a.id);
  await api(stack, a, "PATCH", "/api/settings/timezone", { timezone: "Asia/Baghdad" });
  const templates = [
    {
      event: "expiry_reminder",
      channel: "sms",
      body: "{{subscriber.username}}: {{days_left}} days left, ends {{subscriber.expires_at}}",
    },
    { event: "expiry_reminder", channel: "email", subject: "Expiry", body: "ends {{subscriber.expires_at}}" },
    { event: "quota_warning", channel: "sms", body: "{{quota.percent}}% of {{quota.limit}} used" },
    { event: "payment_received", channel: "sms", body: "Received {{payment.amount}} for invoice {{invoice.number}}" },
    { event: "suspension", channel: "sms", body: "Suspended: {{suspension.reason}}" },
  ];
  for (const tpl of templates)
    expect((await api(stack, a, "POST", "/api/notifications/templates", tpl)).status).toBe(201);
});
afterAll(() => stack.close());

const rowsFor = async (subscriberId: string) => (await outboxOf(c)).filter((r) => r.subscriberId === subscriberId);

describe("expiry reminders", () => {
  it("go out N days before the expiry date on the tenant's calendar, once per expiry date", async () => {
    expect((await api(stack, a, "PUT", "/api/notifications/settings", { expiryReminderDays: 3 })).status).toBe(200);
    expect((await api(stack, a, "GET", "/api/notifications/settings")).body).toEqual({ expiryReminderDays: 3 });
    // 22:30 UTC on the 20th is 01:30 on the 21st in Baghdad (UTC+3): the reminder is due from the
    // 18th local, which begins at 21:00 UTC on the 17th.
    const sub = await addSubscriber(c, {
      username: "expiring",
      phone: "+9647700000011",
      email: "expiring@example.test",
      expiresAt: new Date("2030-01-20T22:30:00Z"),
    });
    await scanExpiryReminders(scope(), { now: new Date("2030-01-17T20:59:00Z") });
    expect(await rowsFor(sub.id)).toEqual([]);
    await scanExpiryReminders(scope(), { now: new Date("2030-01-17T21:01:00Z") });
    const rows = await rowsFor(sub.id);
    expect(rows.map((r) => [r.channel, r.dedupeKey])).toEqual([
      ["email", "expiry:2030-01-21"],
      ["sms", "expiry:2030-01-21"],
    ]);
    expect(rows.find((r) => r.channel === "sms")?.body).toContain("ends 2030-01-21 01:30");
    // Again, and through the worker's own pass: nothing more.
    await scanExpiryReminders(scope(), { now: new Date("2030-01-18T12:00:00Z") });
    await workerPass(stack, [a], { now: new Date("2030-01-19T12:00:00Z") });
    expect(await rowsFor(sub.id)).toHaveLength(2);
    // Renewed: a new expiry date is announced again when its turn comes.
    await c.db
      .update(c.t.subscribers)
      .set({ expiresAt: new Date("2030-02-19T22:30:00Z") })
      .where(eq(c.t.subscribers.id, sub.id));
    await scanExpiryReminders(scope(), { now: new Date("2030-02-17T21:01:00Z") });
    expect((await rowsFor(sub.id)).map((r) => r.dedupeKey)).toContain("expiry:2030-02-20");
    expect(await rowsFor(sub.id)).toHaveLength(4);
  });

  it("respect the subscriber's opt-out, set by the operator through the API", async () => {
    const sub = await addSubscriber(c, {
      username: "quiet",
      phone: "+9647700000012",
      email: "quiet@example.test",
      expiresAt: new Date("2030-03-10T09:00:00Z"),
    });
    const patched = await api(stack, a, "PATCH", `/api/subscribers/${sub.id}`, { notifySms: false });
    expect(patched.status).toBe(200);
    expect(patched.body.subscriber).toMatchObject({ notifySms: false, notifyEmail: true });
    await scanExpiryReminders(scope(), { now: new Date("2030-03-08T09:00:00Z") });
    expect((await rowsFor(sub.id)).map((r) => r.channel)).toEqual(["email"]);
    await api(stack, a, "PATCH", `/api/subscribers/${sub.id}`, { notifyEmail: false });
    await api(stack, a, "PUT", "/api/notifications/settings", { expiryReminderDays: 3 });
    await c.db
      .update(c.t.subscribers)
      .set({ expiresAt: new Date("2030-04-10T09:00:00Z") })
      .where(eq(c.t.subscribers.id, sub.id));
    await scanExpiryReminders(scope(), { now: new Date("2030-04-08T09:00:00Z") });
    expect(await rowsFor(sub.id)).toHaveLength(1);
    expectError(
      await api(stack, a, "PUT", "/api/notifications/settings", { expiryReminderDays: -1 }),
      400,
      "validation_error",
    );
  });
});

describe("quota warnings", () => {
  it("at 80 % and at 100 %, once each per usage period", async () => {
    const [plan] = await c.db
      .insert(c.t.servicePlans)
      .values({
        name: "Capped",
        downloadKbps: 10_000,
        uploadKbps: 1_000,
        quotaBytes: 1_000_000_000,
        quotaPeriod: "monthly",
      })
      .returning();
    const sub = await addSubscriber(c, { username: "heavy", phone: "+9647700000013", planId: plan?.id ?? null });
    const usage = (bytesIn: number, usageResetAt: Date | null = null) =>
      c.db.update(c.t.subscribers).set({ bytesIn, bytesOut: 0, usageResetAt }).where(eq(c.t.subscribers.id, sub.id));
    await usage(700_000_000);
    await scanQuotaWarnings(scope());
    expect(await rowsFor(sub.id)).toEqual([]);
    await usage(850_000_000);
    await scanQuotaWarnings(scope());
    await scanQuotaWarnings(scope());
    let rows = await rowsFor(sub.id);
    expect(rows.map((r) => r.body)).toEqual(["85% of 1.0 GB used"]);
    await usage(1_000_000_000);
    await scanQuotaWarnings(scope());
    await scanQuotaWarnings(scope());
    rows = await rowsFor(sub.id);
    expect(rows.map((r) => r.dedupeKey)).toEqual(["quota:80:start", "quota:100:start"]);
    // A new period: the thresholds count again.
    await usage(900_000_000, new Date("2030-05-01T00:00:00Z"));
    await scanQuotaWarnings(scope());
    rows = await rowsFor(sub.id);
    expect(rows.at(-1)?.dedupeKey).toBe("quota:80:2030-05-01T00:00:00");
    expect(rows).toHaveLength(3);
  });
});

describe("billing and suspension", () => {
  it("queue payment received with the payment, and suspension with the status change", async () => {
    const sub = await addSubscriber(c, { username: "payer", phone: "+9647700000014" });
    const inv = await api(stack, a, "POST", "/api/invoices", {
      subscriberId: sub.id,
      amountCents: 4200,
      description: "April",
    });
    expect(inv.status).toBe(201);
    const invoice = inv.body.invoice ?? inv.body;
    expect((await api(stack, a, "POST", `/api/invoices/${invoice.id}/payments`, { amountCents: 5000 })).status).toBe(
      201,
    );
    let rows = await rowsFor(sub.id);
    expect(rows.map((r) => [r.event, r.body])).toEqual([
      ["payment_received", `Received 50.00 for invoice ${invoice.number}`],
    ]);
    // A refused payment (already paid) queues nothing more.
    expect((await api(stack, a, "POST", `/api/invoices/${invoice.id}/payments`, {})).status).toBe(409);
    expect((await api(stack, a, "POST", `/api/subscribers/${sub.id}/disable`)).status).toBe(200);
    expect((await api(stack, a, "POST", `/api/subscribers/${sub.id}/disable`)).status).toBe(200);
    rows = await rowsFor(sub.id);
    expect(rows.map((r) => [r.event, r.body])).toEqual([
      ["payment_received", `Received 50.00 for invoice ${invoice.number}`],
      ["suspension", "Suspended: Suspended by your provider"],
    ]);
  });
});
