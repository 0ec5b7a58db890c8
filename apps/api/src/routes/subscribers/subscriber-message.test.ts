import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { tenantClient, userWith } from "../settings/test-support.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let plan: string;

const call = (t: TestTenant, token: string, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, token, ...(body === undefined ? {} : { body }) });
const op = (method: string, path: string, body?: unknown) => call(a, a.token, method, path, body);
async function sub(t: TestTenant, username: string, extra: Record<string, unknown> = {}) {
  const p =
    t === a
      ? plan
      : (await call(t, t.token, "POST", "/api/plans", { name: "B", downloadKbps: 1, uploadKbps: 1 })).body.plan.id;
  const res = await call(t, t.token, "POST", "/api/subscribers", {
    username,
    password: "pw-12345",
    planId: p,
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body.subscriber.id as string;
}
const outbox = async (t: TestTenant) => {
  const c = await tenantClient(stack, t.id);
  return c.db.select().from(c.t.notificationOutbox).orderBy(c.t.notificationOutbox.id);
};

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  b = await signupTenant(stack);
  plan = (
    await op("POST", "/api/plans", { name: "Home 10", downloadKbps: 10_000, uploadKbps: 2_000, priceCents: 1_500 })
  ).body.plan.id;
});
afterAll(() => stack.close());

describe("messaging a selection of subscribers", () => {
  it("queues the operator's text on each channel, rendered per subscriber, honouring opt-outs, audited", async () => {
    const ids = [
      await sub(a, "msg-both", { email: "both@example.test", phone: "+254700000201", fullName: "Both Ways" }),
      await sub(a, "msg-noemail", { phone: "+254700000202" }),
      await sub(a, "msg-optout", { email: "optout@example.test", phone: "+254700000203", notifySms: false }),
    ];
    const res = await op("POST", "/api/subscribers/messages", {
      ids,
      channels: ["sms", "email"],
      subject: "Maintenance for {{subscriber.username}}",
      text: "Dear {{subscriber.full_name}}, {{company.name}} works on the network tonight.",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ queued: 4, skipped: 2, failed: 0 });
    expect(res.body.results[1].skipped).toEqual([{ channel: "email", reason: "Subscriber has no e-mail" }]);
    expect(res.body.results[2].skipped).toEqual([{ channel: "sms", reason: "Subscriber opted out of SMS" }]);
    const rows = (await outbox(a)).filter((r) => r.event === "message");
    const first = rows.filter((r) => r.subscriberId === ids[0]);
    expect(first.map((r) => [r.channel, r.recipient, r.subject, r.status])).toEqual([
      ["email", "both@example.test", "Maintenance for msg-both", "pending"],
      ["sms", "+254700000201", "", "pending"],
    ]);
    expect(first[1]?.body).toBe(`Dear Both Ways, Company ${a.slug} works on the network tonight.`);
    const audit = await op("GET", `/api/audit-logs?entityId=${ids[0]}&limit=20`);
    expect(audit.body.items[0]).toMatchObject({ action: "subscriber.message" });
    expect(audit.body.items[0].details.queued).toHaveLength(2);
  });

  it("sends the tenant's expiry-reminder templates on request", async () => {
    expect(
      (
        await op("POST", "/api/notifications/templates", {
          event: "expiry_reminder",
          channel: "sms",
          body: "{{subscriber.username}}: {{days_left}} days left",
        })
      ).status,
    ).toBe(201);
    const id = await sub(a, "msg-tpl", {
      phone: "+254700000204",
      expiresAt: new Date(Date.now() + 5 * 86_400_000 - 60_000).toISOString(),
    });
    const res = await op("POST", "/api/subscribers/messages", { ids: [id], template: "expiry_reminder" });
    expect(res.body).toMatchObject({ queued: 1, failed: 0 });
    const row = (await outbox(a)).find((r) => r.subscriberId === id);
    expect(row).toMatchObject({ event: "expiry_reminder", channel: "sms", body: "msg-tpl: 5 days left" });
  });

  it("validates the message, reaches nothing of another tenant, and needs notifications.edit", async () => {
    const mine = await sub(a, "msg-mine", { phone: "+254700000205" });
    const foreign = await sub(b, "msg-foreign", { phone: "+254700000206" });
    const res = await op("POST", "/api/subscribers/messages", {
      ids: [foreign, crypto.randomUUID(), mine],
      channels: ["sms"],
      text: "Hello",
    });
    expect(res.body).toMatchObject({ queued: 1, failed: 2 });
    expect(res.body.results[0]).toMatchObject({ id: foreign, ok: false, error: { code: "not_found" } });
    expect((await outbox(b)).filter((r) => r.subscriberId === foreign)).toEqual([]);

    const bad = async (body: unknown) =>
      expectError(await op("POST", "/api/subscribers/messages", body), 400, "validation_error");
    await bad({ ids: [mine], channels: ["sms"] });
    await bad({ ids: [mine], channels: ["sms"], text: "x", template: "expiry_reminder" });
    await bad({ ids: [mine], channels: [], text: "Hello" });
    await bad({ ids: [mine], channels: ["sms"], text: "{{subscriber.password}}" });
    await bad({ ids: [mine], channels: ["email"], text: "No subject" });
    await bad({ ids: [mine], channels: ["sms"], text: "x".repeat(1_001) });
    await bad({ ids: [], channels: ["sms"], text: "Hello" });
    await bad({ ids: [mine], channels: ["fax"], text: "Hello" });
    const viewer = await userWith(stack, a, ["subscribers.view", "subscribers.edit"]);
    expectError(
      await call(a, viewer, "POST", "/api/subscribers/messages", { ids: [mine], channels: ["sms"], text: "Hi" }),
      403,
      "forbidden",
    );
  });
});
