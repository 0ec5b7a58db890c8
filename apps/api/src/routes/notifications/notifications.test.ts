import type { AddressInfo } from "node:net";
import { tenants } from "@proxpanel/db";
import {
  deliverPending,
  formatDate,
  logSmsAdapter,
  renderSubject,
  renderText,
  smtpAdapter,
  validateTemplate,
} from "@proxpanel/notify";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { expectError, systemCtx, tenantClient, userWith } from "../settings/test-support.ts";
import { enqueueNotification } from "./notifications.ts";

interface Received {
  from: string;
  to: string[];
  raw: string;
}

let stack: Stack;
let a: TestTenant;
let smtp: SMTPServer;
let smtpPort: number;
const inbox: Received[] = [];

const api = (method: string, path: string, body?: unknown, token = a.token, t = a) =>
  stack.request(method, path, { host: t.host, token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith("bounce")) cb(new Error("550 Mailbox unavailable"));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  stack = await startStack();
  a = await signupTenant(stack);
});
afterAll(async () => {
  await stack.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
});

const expiryEmail = {
  event: "expiry_reminder",
  channel: "email",
  subject: "{{company.name}}: your plan expires soon",
  body: "Hello {{subscriber.full_name}} ({{subscriber.username}}), {{plan.name}} ends {{subscriber.expires_at}}.",
};

describe("notification templates over HTTP", () => {
  it("creates, reads, updates and deletes, refusing a second template for the same event and channel", async () => {
    const created = await api("POST", "/api/notifications/templates", expiryEmail);
    expect(created.status).toBe(201);
    const id = created.body.template.id as string;
    expect(created.body.template).toMatchObject({ ...expiryEmail, isActive: true });

    const dup = await api("POST", "/api/notifications/templates", { ...expiryEmail, body: "other" });
    expectError(dup, 409, "conflict");
    expect((await api("GET", `/api/notifications/templates/${id}`)).body.template.body).toBe(expiryEmail.body);

    const patched = await api("PATCH", `/api/notifications/templates/${id}`, {
      body: "Renew before {{subscriber.expires_at}}, {{subscriber.username}}.",
      isActive: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.body.template).toMatchObject({ isActive: false, event: "expiry_reminder" });
    const list = await api("GET", "/api/notifications/templates?event=expiry_reminder");
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([id]);

    const audit = await api("GET", `/api/audit-logs?entityId=${id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      "notification_template.update",
      "notification_template.create",
    ]);
    expect(audit.body.items[0].details.before.body).toBe(expiryEmail.body);

    expect((await api("DELETE", `/api/notifications/templates/${id}`)).status).toBe(204);
    expectError(await api("GET", `/api/notifications/templates/${id}`), 404, "not_found");
    expectError(await api("DELETE", `/api/notifications/templates/${id}`), 404, "not_found");
    expectError(await api("GET", "/api/notifications/templates/not-a-uuid"), 400, "validation_error");
  });

  it.each([
    [
      "an unknown variable",
      { ...expiryEmail, body: "pw: {{subscriber.password}}" },
      "Unknown variable {{subscriber.password}}",
    ],
    [
      "another event's variable",
      { ...expiryEmail, body: "due {{invoice.amount}}" },
      "Unknown variable {{invoice.amount}}",
    ],
    ["a section tag", { ...expiryEmail, body: "{{#subscriber}}x{{/subscriber}}" }, "Malformed tag"],
    ["code in a tag", { ...expiryEmail, body: "{{ constructor.constructor('return 1')() }}" }, "Malformed tag"],
    ["an unknown variable in the subject", { ...expiryEmail, subject: "{{ company.secret }}" }, "Unknown variable"],
    ["an e-mail without subject", { ...expiryEmail, subject: " " }, "needs a subject"],
    ["an SMS with a subject", { ...expiryEmail, channel: "sms" }, "An SMS has no subject"],
    ["an over-long SMS", { ...expiryEmail, channel: "sms", subject: "", body: "x".repeat(1001) }, "At most 1000"],
  ])("refuses %s with every problem listed and creates nothing", async (_name, body, message) => {
    const res = await api("POST", "/api/notifications/templates", body);
    expectError(res, 400, "validation_error");
    expect(JSON.stringify(res.body.error.details)).toContain(message);
    expect((await api("GET", "/api/notifications/templates")).body.items).toEqual([]);
  });

  it("refuses an update that would break the template and leaves it as it was", async () => {
    const { body } = await api("POST", "/api/notifications/templates", { ...expiryEmail, event: "quota_warning" });
    const id = body.template.id as string;
    const res = await api("PATCH", `/api/notifications/templates/${id}`, { body: "{{invoice.number}}" });
    expectError(res, 400, "validation_error");
    expect((await api("GET", `/api/notifications/templates/${id}`)).body.template).toEqual(body.template);
    await api("DELETE", `/api/notifications/templates/${id}`);
  });

  it("previews unsaved and saved templates with sample data and the real company name", async () => {
    const res = await api("POST", "/api/notifications/preview", {
      event: "invoice",
      channel: "sms",
      body: "{{company.name}}: invoice {{invoice.number}} for {{subscriber.username}} is {{invoice.amount}}",
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: "", body: `Company ${a.slug}: invoice 1042 for jdoe is 25.00` });
    const saved = await api("POST", "/api/notifications/templates", expiryEmail);
    const prev = await api("POST", `/api/notifications/templates/${saved.body.template.id}/preview`);
    expect(prev.body.subject).toBe(`Company ${a.slug}: your plan expires soon`);
    expect(prev.body.body).toMatch(/^Hello Jane Doe \(jdoe\), Home 50M ends \d{4}-\d\d-\d\d \d\d:\d\d\.$/);
    expectError(
      await api("POST", "/api/notifications/preview", { ...expiryEmail, body: "{{nope}}" }),
      400,
      "validation_error",
    );
    await api("DELETE", `/api/notifications/templates/${saved.body.template.id}`);
    const vars = await api("GET", "/api/notifications/variables");
    expect(vars.body.events.invoice).toContain("invoice.amount");
    expect(vars.body.events.expiry_reminder).not.toContain("invoice.amount");
  });

  it("lets notifications.view read and preview but not change", async () => {
    const viewer = await userWith(stack, a, ["notifications.view"]);
    const nobody = await userWith(stack, a, ["settings.view"]);
    expect((await api("GET", "/api/notifications/templates", undefined, viewer)).status).toBe(200);
    expect((await api("POST", "/api/notifications/preview", expiryEmail, viewer)).status).toBe(200);
    expectError(await api("POST", "/api/notifications/templates", expiryEmail, viewer), 403, "forbidden");
    expectError(await api("GET", "/api/notifications/templates", undefined, nobody), 403, "forbidden");
    expectError(await api("GET", "/api/notifications/outbox", undefined, nobody), 403, "forbidden");
    expect((await api("GET", "/api/notifications/templates")).body.items).toEqual([]);
  });

  it("answers 403 module_disabled when the tenant's modules exclude notifications", async () => {
    const t = await signupTenant(stack);
    await stack.runtime.deps.db
      .update(tenants)
      .set({ modules: ["resellers"] })
      .where(eq(tenants.id, t.id));
    await stack.runtime.deps.resolver.invalidate({ tenantId: t.id });
    for (const [method, path] of [
      ["GET", "/api/notifications/templates"],
      ["POST", "/api/notifications/templates"],
      ["GET", "/api/notifications/outbox"],
    ] as const) {
      expectError(
        await api(method, path, method === "POST" ? expiryEmail : undefined, t.token, t),
        403,
        "module_disabled",
      );
    }
    const client = await tenantClient(stack, t.id);
    expect(await client.db.select().from(client.t.notificationTemplates)).toEqual([]);
  });
});

describe("outbox and delivery", () => {
  let ctx: ServiceCtx;
  let subscriberId: string;
  let noPhoneId: string;
  let bounceId: string;

  beforeAll(async () => {
    ctx = await systemCtx(stack, a);
    const { db, t } = ctx.tenant;
    await api("PATCH", "/api/settings/timezone", { timezone: "Asia/Baghdad" });
    const [plan] = await db
      .insert(t.servicePlans)
      .values({ name: "Fibre 100", downloadKbps: 100_000, uploadKbps: 20_000, priceCents: 3000 })
      .returning();
    const sub = (username: string, email: string | null, phone: string | null) => ({
      username,
      passwordEnc: "not-used-here",
      planId: plan?.id ?? null,
      fullName: `Name of ${username}`,
      email,
      phone,
      expiresAt: new Date("2030-01-15T21:30:00Z"),
    });
    const rows = await db
      .insert(t.subscribers)
      .values([
        sub("alice", "alice@example.test", "+9647700000001"),
        sub("bob", "bob@example.test", null),
        sub("carol", "bounce@example.test", null),
      ])
      .returning({ id: t.subscribers.id });
    [subscriberId, noPhoneId, bounceId] = rows.map((r) => r.id) as [string, string, string];
    for (const tpl of [
      {
        event: "invoice",
        channel: "email",
        subject: "Invoice {{invoice.number}} from {{company.name}}",
        body: "Dear {{subscriber.full_name}},\nplan {{plan.name}} renewed until {{subscriber.expires_at}}.\nAmount: {{invoice.amount}}\n",
      },
      {
        event: "invoice",
        channel: "sms",
        body: "{{company.name}}: {{invoice.amount}} due for {{subscriber.username}}",
      },
    ]) {
      expect((await api("POST", "/api/notifications/templates", tpl)).status).toBe(201);
    }
  });

  const outbox = async () =>
    ctx.db.select().from(ctx.tenant.t.notificationOutbox).orderBy(ctx.tenant.t.notificationOutbox.id);
  const mailer = () =>
    smtpAdapter({
      transport: { host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true },
      from: "Acme ISP <noc@acme.test>",
    });

  it("writes nothing when the caller's transaction rolls back", async () => {
    await expect(
      ctx.tenant.db.transaction(async (tx) => {
        const res = await enqueueNotification({
          ctx: { ...ctx, db: tx },
          input: { event: "invoice", subscriberId, data: { invoice: { number: 7, amountCents: 3000 } } },
        });
        expect(res.queued).toHaveLength(2);
        throw new Error("renewal failed");
      }),
    ).rejects.toThrow("renewal failed");
    expect(await outbox()).toEqual([]);
  });

  it("renders into the outbox inside the caller's transaction and delivers through a real SMTP listener", async () => {
    const queued = await ctx.tenant.db.transaction((tx) =>
      enqueueNotification({
        ctx: { ...ctx, db: tx },
        input: { event: "invoice", subscriberId, data: { invoice: { number: 42, amountCents: 3000 } } },
      }),
    );
    expect(queued.queued.map((q) => [q.channel, q.recipient])).toEqual([
      ["email", "alice@example.test"],
      ["sms", "+9647700000001"],
    ]);
    const rows = await outbox();
    expect(rows.map((r) => r.status)).toEqual(["pending", "pending"]);
    // 21:30 UTC is 00:30 the next day in Baghdad (UTC+3): the tenant's clock, not the server's.
    expect(rows[0]?.body).toBe("Dear Name of alice,\nplan Fibre 100 renewed until 2030-01-16 00:30.\nAmount: 30.00\n");
    expect(rows[1]?.body).toBe(`Company ${a.slug}: 30.00 due for alice`);

    const sms: { to: string; body: string }[] = [];
    const email = mailer();
    const report = await deliverPending(ctx.tenant.db, ctx.tenant.t, [email, logSmsAdapter((m) => sms.push(m))]);
    email.close();
    expect(report).toEqual({ sent: 2, retrying: 0, failed: 0 });

    expect(inbox).toHaveLength(1);
    const msg = inbox[0] as Received;
    expect(msg.from).toBe("noc@acme.test");
    expect(msg.to).toEqual(["alice@example.test"]);
    expect(msg.raw).toMatch(/^Subject: Invoice 42 from Company /m);
    expect(msg.raw).toMatch(/^To: alice@example\.test/m);
    expect(msg.raw).toMatch(/^Content-Type: text\/plain/m);
    expect(msg.raw).toMatch(new RegExp(`^X-ProxPanel-Outbox-Id: ${rows[0]?.id}\r?$`, "mi"));
    expect(msg.raw).toContain("plan Fibre 100 renewed until 2030-01-16 00:30.");
    expect(sms).toEqual([
      { to: "+9647700000001", body: `Company ${a.slug}: 30.00 due for alice`, outboxId: rows[1]?.id },
    ]);

    const after = await outbox();
    expect(after.map((r) => [r.status, r.attempts, r.lastError])).toEqual([
      ["sent", 1, null],
      ["sent", 1, null],
    ]);
    expect(after.every((r) => r.sentAt instanceof Date)).toBe(true);
    // Nothing is sent twice.
    expect(await deliverPending(ctx.tenant.db, ctx.tenant.t, [mailer()])).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(inbox).toHaveLength(1);
  });

  it("skips a channel the subscriber has no address for", async () => {
    const res = await enqueueNotification({
      ctx,
      input: { event: "invoice", subscriberId: noPhoneId, data: { invoice: { amountCents: 100 } } },
    });
    expect(res.queued.map((q) => q.channel)).toEqual(["email"]);
    expect(res.skipped).toEqual([{ channel: "sms", reason: "Subscriber has no phone" }]);
    const email = mailer();
    expect((await deliverPending(ctx.tenant.db, ctx.tenant.t, [email])).sent).toBe(1);
    email.close();
  });

  it("fails an SMTP 5xx refusal at once, keeping the relay's answer", async () => {
    await enqueueNotification({
      ctx,
      input: { event: "invoice", subscriberId: bounceId, data: { invoice: { amountCents: 100 } } },
    });
    const email = mailer();
    expect(await deliverPending(ctx.tenant.db, ctx.tenant.t, [email])).toEqual({ sent: 0, retrying: 0, failed: 1 });
    email.close();
    const row = (await outbox()).at(-1);
    expect(row).toMatchObject({ recipient: "bounce@example.test", status: "failed", attempts: 1, sentAt: null });
    expect(row?.lastError).toContain("Mailbox unavailable");
    expect(inbox.some((m) => m.to.includes("bounce@example.test"))).toBe(false);
  });

  it("records a missing adapter as the error and keeps the row pending", async () => {
    await enqueueNotification({
      ctx,
      input: { event: "invoice", subscriberId, data: { invoice: { amountCents: 5 } } },
    });
    const email = mailer();
    const report = await deliverPending(ctx.tenant.db, ctx.tenant.t, [email]);
    email.close();
    expect(report).toEqual({ sent: 1, retrying: 1, failed: 0 });
    const sms = (await outbox()).at(-1);
    expect(sms).toMatchObject({
      channel: "sms",
      status: "pending",
      attempts: 1,
      lastError: "No delivery adapter configured for channel sms",
    });
  });

  it("lists the outbox with filters and refuses an unknown subscriber", async () => {
    const res = await api("GET", "/api/notifications/outbox?status=failed");
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { recipient: string }) => r.recipient)).toEqual(["bounce@example.test"]);
    expect(res.body.total).toBe(1);
    expectError(await api("GET", "/api/notifications/outbox?status=lost"), 400, "validation_error");
    await expect(
      enqueueNotification({ ctx, input: { event: "invoice", subscriberId: "00000000-0000-4000-8000-000000000000" } }),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("template rendering", () => {
  it("substitutes only known tags, executes nothing and keeps subjects on one line", () => {
    const vars = { "subscriber.username": "{{company.name}}", "company.name": "Acme" };
    expect(renderText("{{subscriber.username}} / {{ company.name }} / {{plan.name}}", vars)).toBe(
      "{{company.name}} / Acme / ",
    );
    expect(
      renderSubject("Hi {{subscriber.username}}", { "subscriber.username": "x\r\nBcc: victim@example.test" }),
    ).toBe("Hi x Bcc: victim@example.test");
    expect(
      validateTemplate({ event: "invoice", channel: "sms", subject: "", body: "{{invoice.amount}} {{days_left}}" }),
    ).toEqual([{ path: "body", message: "Unknown variable {{days_left}}" }]);
    expect(formatDate(new Date("2030-01-15T21:30:00Z"), "America/New_York")).toBe("2030-01-15 16:30");
  });
});
