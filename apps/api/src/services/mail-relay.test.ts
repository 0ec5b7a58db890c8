import { alerts, mailOutbox, tenants } from "@proxpanel/db";
import { createMailTransport, deliverDueMail, enqueueMail, mailNewAlerts } from "@proxpanel/mail";
import { onboardTenant } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, superAdminSession, uniqueSlug } from "../../../../tests/harness.ts";
import { welcomeMail } from "./mail-templates.ts";
import { startSmtp } from "./mail-test-smtp.ts";

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
// Per recipient: how many more times to refuse, and with which reply.
const refusals = new Map<string, { left: number; code: number; message: string }>();

beforeAll(async () => {
  smtp = await startSmtp((rcpt) => {
    const r = refusals.get(rcpt);
    if (!r || r.left <= 0) return null;
    r.left -= 1;
    return { code: r.code, message: r.message };
  });
  stack = await startStack({ SMTP_URL: smtp.url, MAIL_FROM: "ProxPanel <noreply@proxpanel.test>" });
});
afterAll(async () => {
  await stack.close();
  await smtp.close();
});

const db = () => stack.runtime.deps.db;
const mailDeps = () => ({
  db: db(),
  transport: createMailTransport(smtp.url),
  from: "ProxPanel <noreply@proxpanel.test>",
  maxAttempts: 3,
});
// The outbox is shared with every test file of the run: each pass sends only this test's mail.
const deliver = (to: string, now?: Date) => deliverDueMail(mailDeps(), { to: [to], ...(now ? { now } : {}) });
const rowsTo = (to: string) => db().select().from(mailOutbox).where(eq(mailOutbox.to, to));

describe("welcome e-mail", () => {
  it("is queued by signup and delivered through SMTP with the workspace address", async () => {
    const slug = uniqueSlug("w");
    const email = `owner@${slug}.example`;
    const res = await stack.request("POST", "/api/signup", {
      body: { slug, companyName: "Welcome ISP", plan: "trial", adminEmail: email, adminPassword: "a-long-password" },
    });
    expect(res.status).toBe(201);
    const [queued] = await rowsTo(email);
    expect(queued).toMatchObject({ kind: "welcome", status: "queued", tenantId: res.body.tenant.id });

    await deliver(email);
    const [sent] = await rowsTo(email);
    expect(sent).toMatchObject({ status: "sent", attempts: 1, lastError: null });
    const got = smtp.inbox.filter((m) => m.to.includes(email));
    expect(got).toHaveLength(1);
    expect(got[0]?.subject).toBe("Welcome to ProxPanel, Welcome ISP");
    expect(got[0]?.text).toContain(`http://${slug}.proxpanel.test`);
  });

  it("does not exist when the signup transaction fails", async () => {
    const slug = uniqueSlug("wf");
    const email = `owner@${slug}.example`;
    const failed = onboardTenant(
      {
        db: db(),
        onCreated: async (tx, t) => {
          await enqueueMail(tx, welcomeMail({ to: email, companyName: "X", url: "http://x", tenantId: t.id }));
        },
        failpoint: (stage) => {
          if (stage === "admin") throw new Error("boom");
        },
      },
      { slug, companyName: "X", plan: "trial", adminEmail: email, adminPassword: "a-long-password" },
      { superAdminId: null, label: "test" },
    );
    await expect(failed).rejects.toThrow("boom");
    expect(await rowsTo(email)).toHaveLength(0);
    expect(await db().select().from(tenants).where(eq(tenants.slug, slug))).toHaveLength(0);
  });
});

describe("delivery retries and failures", () => {
  it("retries after a temporary refusal and sends once the relay accepts", async () => {
    const to = `retry-${uniqueSlug()}@mail.example`;
    refusals.set(to, { left: 1, code: 451, message: "451 Try again later" });
    await enqueueMail(db(), { kind: "operator_alert", to, subject: "retry me", body: "hello" });

    await deliver(to);
    const [first] = await rowsTo(to);
    expect(first?.status).toBe("queued");
    expect(first?.attempts).toBe(1);
    expect(first?.lastError).toContain("451");
    // Backoff: not due again right away.
    await deliver(to);
    expect((await rowsTo(to))[0]?.attempts).toBe(1);

    await deliver(to, new Date(Date.now() + 2 * 60_000));
    const [second] = await rowsTo(to);
    expect(second).toMatchObject({ status: "sent", attempts: 2, lastError: null });
    expect(smtp.inbox.filter((m) => m.to.includes(to)).map((m) => m.subject)).toEqual(["retry me"]);
  });

  it("keeps a permanently refused mail visible in the console with its error, and retries it on request", async () => {
    const to = `bounce-${uniqueSlug()}@mail.example`;
    refusals.set(to, { left: 1, code: 550, message: "550 Mailbox unavailable" });
    const id = await enqueueMail(db(), { kind: "operator_alert", to, subject: "bounce", body: "x" });
    await deliver(to);
    expect((await rowsTo(to))[0]?.status).toBe("failed");

    const op = await superAdminSession(stack);
    const list = await stack.request("GET", "/api/saas/mail-outbox?status=failed&limit=100", { token: op.token });
    expect(list.status).toBe(200);
    const shown = list.body.items.find((m: { id: string }) => m.id === id);
    expect(shown).toMatchObject({ status: "failed", to, attempts: 1 });
    expect(shown.lastError).toContain("550");
    expect(list.body.items.every((m: { status: string }) => m.status === "failed")).toBe(true);
    expect(list.body.total).toBeGreaterThanOrEqual(1);

    const retry = await stack.request("POST", `/api/saas/mail-outbox/${id}/retry`, { token: op.token });
    expect(retry.status).toBe(200);
    expect(retry.body.mail).toMatchObject({ status: "queued", attempts: 0 });
    const again = await stack.request("POST", `/api/saas/mail-outbox/${id}/retry`, { token: op.token });
    expect(again.status).toBe(409);

    await deliver(to);
    expect((await rowsTo(to))[0]).toMatchObject({ status: "sent", lastError: null });
    expect(smtp.inbox.filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it("gives up after the maximum number of temporary refusals", async () => {
    const to = `flaky-${uniqueSlug()}@mail.example`;
    refusals.set(to, { left: 10, code: 421, message: "421 Service not available" });
    await enqueueMail(db(), { kind: "operator_alert", to, subject: "never", body: "x" });
    // A second ahead: the row was stamped by the database's clock, which may lead this one by a few µs.
    let now = Date.now() + 1000;
    for (let i = 0; i < 3; i++) {
      await deliver(to, new Date(now));
      now += 7 * 3600_000;
    }
    expect((await rowsTo(to))[0]).toMatchObject({ status: "failed", attempts: 3 });
    expect((await rowsTo(to))[0]?.lastError).toContain("421");
  });

  it("the console list is for operators only", async () => {
    expect((await stack.request("GET", "/api/saas/mail-outbox")).status).toBe(401);
  });
});

describe("operator alert e-mails", () => {
  it("mails each new open alert once to the operator address", async () => {
    const operator = `ops-${uniqueSlug()}@ops.example`;
    const [tenant] = await db().select({ id: tenants.id, slug: tenants.slug }).from(tenants).limit(1);
    await db()
      .insert(alerts)
      .values({ tenantId: tenant?.id ?? null, kind: "over_quota", message: "Backups use 105% of the quota." });
    expect(await mailNewAlerts({ db: db() }, operator)).toBeGreaterThanOrEqual(1);
    expect(await mailNewAlerts({ db: db() }, operator)).toBe(0);
    const rows = await rowsTo(operator);
    const mine = rows.filter((r) => r.body.includes("Backups use 105% of the quota."));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.kind).toBe("operator_alert");

    await deliver(operator);
    const got = smtp.inbox.filter((m) => m.to.includes(operator) && m.text.includes("105% of the quota"));
    expect(got).toHaveLength(1);
    expect(got[0]?.subject).toBe(`[ProxPanel] Alert: tenant over its backup quota (tenant ${tenant?.slug})`);
  });
});
