// SMS that reaches people: a generic HTTP gateway and Twilio, each a local fake speaking its HTTP
// API; the worker's delivery pass, retries, status callbacks, and what the settings API gives back.
import type { BoundTenantClient } from "@proxpanel/db";
import { type FakeSmsGateway, fakeSmsGateway } from "@proxpanel/notify/testing/fake-sms-gateway";
import { type FakeTwilio, fakeTwilio } from "@proxpanel/notify/testing/fake-twilio";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectError, userWith } from "../apps/api/src/routes/settings/test-support.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";
import { addSubscriber, api, outboxOf, tenantClient, workerPass } from "./notify-support.ts";

const SID_A = `AC${"a1".repeat(16)}`;
const TOKEN_A = "twilio-auth-token-of-tenant-a";
const SID_B = `AC${"b2".repeat(16)}`;
const TOKEN_B = "twilio-auth-token-of-tenant-b";

let stack: Stack;
let gw: FakeSmsGateway;
let twilio: FakeTwilio;
let a: TestTenant;
let b: TestTenant;
let ca: BoundTenantClient;
let cb: BoundTenantClient;
let alice: string;
let bobB: string;

const gatewaySettings = (over: Record<string, unknown> = {}) => ({
  provider: "http",
  sender: "AcmeISP",
  config: {
    url: `${gw.url}/send?to={to}&from={sender}&key=url-secret-key`,
    method: "POST",
    bodyFormat: "json",
    bodyTemplate: '{"text":"{body}","to":"{to}"}',
    auth: { kind: "bearer", token: "gateway-bearer-secret" },
    successMatch: "OK",
    messageIdRegex: "id=(\\w+)",
    ...over,
  },
});
const twilioSettings = (sid: string, token: string) => ({
  provider: "twilio",
  sender: "+15005550006",
  config: { accountSid: sid, authToken: token },
});

async function invoiceFor(t: TestTenant, subscriberId: string, amountCents = 1500) {
  const res = await api(stack, t, "POST", "/api/invoices", { subscriberId, amountCents, description: "March" });
  expect(res.status).toBe(201);
  return res.body.invoice ?? res.body;
}

beforeAll(async () => {
  gw = await fakeSmsGateway();
  twilio = await fakeTwilio([
    { sid: SID_A, token: TOKEN_A },
    { sid: SID_B, token: TOKEN_B },
  ]);
  stack = await startStack({ SMS_GATEWAY_ALLOW_PRIVATE: "true", TWILIO_API_BASE: twilio.url });
  a = await signupTenant(stack);
  b = await signupTenant(stack);
  ca = await tenantClient(stack, a.id);
  cb = await tenantClient(stack, b.id);
  alice = (await addSubscriber(ca, { username: "alice", phone: "+9647700000001" })).id;
  bobB = (await addSubscriber(cb, { username: "bob", phone: "+15550000002" })).id;
  for (const t of [a, b]) {
    const tpl = {
      event: "invoice",
      channel: "sms",
      body: '{{company.name}}: invoice {{invoice.number}}, {{invoice.amount}} "due" & {{subscriber.username}}',
    };
    expect((await api(stack, t, "POST", "/api/notifications/templates", tpl)).status).toBe(201);
  }
});
afterAll(async () => {
  await stack.close();
  await gw.close();
  await twilio.close();
});
beforeEach(() => {
  gw.reset();
  twilio.messages.length = 0;
  twilio.requests.length = 0;
});

describe("SMS settings API", () => {
  it("stores credentials sealed and never gives them back, to anyone", async () => {
    const put = await api(stack, a, "PUT", "/api/notifications/sms", gatewaySettings());
    expect(put.status).toBe(200);
    expect(put.body.sms).toMatchObject({
      provider: "http",
      sender: "AcmeISP",
      enabled: true,
      publicInfo: { method: "POST", host: `127.0.0.1:${gw.port}`, auth: "bearer" },
    });
    const viewer = await userWith(stack, a, ["notifications.view"]);
    const got = await api(stack, a, "GET", "/api/notifications/sms", undefined, viewer);
    expect(got.status).toBe(200);
    const audit = await api(stack, a, "GET", "/api/audit-logs?entityType=sms_settings");
    const row = (await ca.db.select().from(ca.t.smsSettings))[0];
    for (const text of [
      JSON.stringify(put.body),
      JSON.stringify(got.body),
      JSON.stringify(audit.body),
      row?.configSealed,
    ]) {
      expect(text).not.toContain("gateway-bearer-secret");
      expect(text).not.toContain("url-secret-key");
    }
    expect(audit.body.items.length).toBeGreaterThan(0);

    const tw = await api(stack, a, "PUT", "/api/notifications/sms", twilioSettings(SID_A, TOKEN_A));
    expect(tw.body.sms.publicInfo.accountSid).toBe("ACa1…a1a1");
    expect(JSON.stringify(tw.body)).not.toContain(TOKEN_A);
    expect(JSON.stringify(tw.body)).not.toContain(SID_A);
    expect(JSON.stringify((await api(stack, a, "GET", "/api/notifications/sms")).body)).not.toContain(TOKEN_A);
  });

  it("needs settings.edit to change the gateway and validates what it is given", async () => {
    const viewer = await userWith(stack, a, ["notifications.view", "notifications.edit"]);
    expectError(await api(stack, a, "PUT", "/api/notifications/sms", gatewaySettings(), viewer), 403, "forbidden");
    expectError(await api(stack, a, "DELETE", "/api/notifications/sms", undefined, viewer), 403, "forbidden");
    const bad = await api(stack, a, "PUT", "/api/notifications/sms", {
      provider: "twilio",
      config: { accountSid: "nope", authToken: "short" },
    });
    expectError(bad, 400, "validation_error");
    const badRegex = await api(
      stack,
      a,
      "PUT",
      "/api/notifications/sms",
      gatewaySettings({ successMatch: "(", successMatchRegex: true }),
    );
    expectError(badRegex, 400, "validation_error");
  });
});

describe("generic HTTP gateway", () => {
  beforeAll(async () => {
    expect((await api(stack, a, "PUT", "/api/notifications/sms", gatewaySettings())).status).toBe(200);
  });

  it("sends the rendered message to the subscriber's number, encoded for URL and JSON, and keeps the message id", async () => {
    const invoice = await invoiceFor(a, alice);
    await workerPass(stack, [a]);
    expect(gw.requests).toHaveLength(1);
    const req = gw.requests[0];
    expect(req?.method).toBe("POST");
    expect(req?.url.searchParams.get("to")).toBe("+9647700000001");
    expect(req?.url.searchParams.get("from")).toBe("AcmeISP");
    expect(req?.headers.authorization).toBe("Bearer gateway-bearer-secret");
    const text = `Company ${a.slug}: invoice ${invoice.number}, 15.00 "due" & alice`;
    expect(JSON.parse(req?.body ?? "")).toEqual({ text, to: "+9647700000001" });
    const row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({
      status: "sent",
      attempts: 1,
      providerMessageId: "gw1",
      recipient: "+9647700000001",
      body: text,
    });
  });

  it("retries a 5xx with growing waits, and sends once it is accepted", async () => {
    await invoiceFor(a, alice);
    gw.replyNext({ status: 503, body: "busy" }, { status: 502, body: "bad gateway" });
    const t0 = Date.now();
    await workerPass(stack, [a]);
    let row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row?.lastError).toContain("HTTP 503");
    const first = row?.nextAttemptAt.getTime() ?? 0;
    expect(first - t0).toBeGreaterThan(55_000);
    expect(first - t0).toBeLessThan(65_000);
    // Not due yet: nothing is sent.
    await workerPass(stack, [a]);
    expect(gw.requests).toHaveLength(1);
    await workerPass(stack, [a], { now: new Date(first + 1000) });
    row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "pending", attempts: 2 });
    const second = row?.nextAttemptAt.getTime() ?? 0;
    // Twice the first wait.
    expect(second - (first + 1000)).toBeGreaterThan(115_000);
    expect(second - (first + 1000)).toBeLessThan(125_000);
    await workerPass(stack, [a], { now: new Date(second + 1000) });
    row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "sent", attempts: 3, lastError: null });
    expect(gw.requests).toHaveLength(3);
  });

  it("fails a 4xx at once, keeps the gateway's answer, and never asks again", async () => {
    await invoiceFor(a, alice);
    gw.replyNext({ status: 400, body: "invalid destination" });
    await workerPass(stack, [a]);
    const row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row?.lastError).toContain("HTTP 400: invalid destination");
    await workerPass(stack, [a], { now: new Date(Date.now() + 86_400_000) });
    expect(gw.requests).toHaveLength(1);
  });

  it("treats a 2xx without the success marker as a failure to retry", async () => {
    await invoiceFor(a, alice);
    gw.replyNext({ status: 200, body: "ERR no credit" });
    await workerPass(stack, [a]);
    const row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row?.lastError).toContain("did not match");
    // Out of the way of the next tests.
    await ca.db
      .update(ca.t.notificationOutbox)
      .set({ status: "failed" })
      .where(eq(ca.t.notificationOutbox.id, row?.id ?? 0));
  });

  it("sends nothing twice when two delivery passes run at the same time", async () => {
    for (let i = 0; i < 6; i++) await invoiceFor(a, alice, 100 + i);
    gw.slow(50);
    await Promise.all([workerPass(stack, [a]), workerPass(stack, [a]), workerPass(stack, [a])]);
    const bodies = gw.requests.map((r) => JSON.parse(r.body).text as string);
    expect(bodies).toHaveLength(6);
    expect(new Set(bodies).size).toBe(6);
    const rows = (await outboxOf(ca)).slice(-6);
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  });

  it("sends a test message at once, and reports a refusal with the stable error body", async () => {
    const ok = await api(stack, a, "POST", "/api/notifications/sms/test", { to: "+9647700000009", body: "hello" });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ sent: true, providerMessageId: expect.stringMatching(/^gw\d+$/) });
    expect(JSON.parse(gw.requests[0]?.body ?? "")).toEqual({ text: "hello", to: "+9647700000009" });
    gw.replyNext({ status: 401, body: "bad key" });
    const refused = await api(stack, a, "POST", "/api/notifications/sms/test", { to: "+9647700000009" });
    expectError(refused, 502, "sms_gateway_error");
    expect(refused.body.error.message).toContain("HTTP 401");
    expectError(
      await api(stack, a, "POST", "/api/notifications/sms/test", { to: "not a number" }),
      400,
      "validation_error",
    );
  });
});

describe("Twilio", () => {
  beforeAll(async () => {
    expect((await api(stack, a, "PUT", "/api/notifications/sms", twilioSettings(SID_A, TOKEN_A))).status).toBe(200);
    expect((await api(stack, b, "PUT", "/api/notifications/sms", twilioSettings(SID_B, TOKEN_B))).status).toBe(200);
  });

  async function sentViaTwilio() {
    await invoiceFor(a, alice, 2500);
    await workerPass(stack, [a]);
    const msg = twilio.messages.at(-1);
    const row = (await outboxOf(ca)).at(-1);
    if (!msg || !row) throw new Error("nothing sent");
    return { msg, row };
  }

  it("posts To, From, Body and a StatusCallback on the tenant's host, with the account's credentials", async () => {
    const { msg, row } = await sentViaTwilio();
    expect(msg).toMatchObject({ accountSid: SID_A, to: "+9647700000001", from: "+15005550006" });
    expect(msg.body).toContain("25.00");
    expect(msg.statusCallback).toBe(`http://${a.host}/api/notifications/sms-callbacks/twilio/${row.id}`);
    expect(row).toMatchObject({ status: "sent", providerMessageId: msg.sid, providerStatus: "queued" });
  });

  it("records delivered from a signed callback, and refuses a forged one without recording anything", async () => {
    const { msg, row } = await sentViaTwilio();
    expect(await twilio.sendStatus(msg.sid, "delivered", { port: stack.port, token: "not-the-token" })).toBe(403);
    expect(await twilio.sendStatus(msg.sid, "delivered", { port: stack.port, signature: "" })).toBe(403);
    // A signature over another URL (a replay from elsewhere) does not verify here either.
    const other = `http://${a.host}/api/notifications/sms-callbacks/twilio/999999`;
    const replay = await twilio.sendStatus(msg.sid, "delivered", {
      port: stack.port,
      signature: (await import("@proxpanel/notify")).twilioSignature(TOKEN_A, other, {}),
    });
    expect(replay).toBe(403);
    expect((await outboxOf(ca)).find((r) => r.id === row.id)).toMatchObject({ status: "sent", deliveredAt: null });

    expect(await twilio.sendStatus(msg.sid, "sent", { port: stack.port })).toBe(204);
    expect(await twilio.sendStatus(msg.sid, "delivered", { port: stack.port })).toBe(204);
    // A late intermediate status does not undo the final one.
    expect(await twilio.sendStatus(msg.sid, "sent", { port: stack.port })).toBe(204);
    const after = (await outboxOf(ca)).find((r) => r.id === row.id);
    expect(after).toMatchObject({ status: "delivered", providerStatus: "delivered" });
    expect(after?.deliveredAt).toBeInstanceOf(Date);
    const listed = await api(stack, a, "GET", "/api/notifications/outbox?status=delivered");
    expect(listed.body.items.map((i: { id: number }) => i.id)).toContain(row.id);
  });

  it("records undelivered as failed with Twilio's error code", async () => {
    const { msg, row } = await sentViaTwilio();
    expect(await twilio.sendStatus(msg.sid, "undelivered", { port: stack.port, errorCode: "30003" })).toBe(204);
    expect((await outboxOf(ca)).find((r) => r.id === row.id)).toMatchObject({
      status: "failed",
      providerStatus: "undelivered",
      lastError: "Twilio reported undelivered (error 30003)",
    });
  });

  it("fails at once on Twilio's 400 (error JSON kept) and retries its 500", async () => {
    await ca.db.update(ca.t.subscribers).set({ phone: "12" }).where(undefined);
    await invoiceFor(a, alice);
    await workerPass(stack, [a]);
    let row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row?.lastError).toBe("Twilio error 21211 (HTTP 400): The 'To' number 12 is not a valid phone number.");
    await ca.db.update(ca.t.subscribers).set({ phone: "+9647700000001" }).where(undefined);

    await invoiceFor(a, alice);
    twilio.failNext(twilio.serverError());
    await workerPass(stack, [a]);
    row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row?.lastError).toContain("Twilio error 20500 (HTTP 500)");
    await workerPass(stack, [a], { now: new Date(Date.now() + 120_000) });
    expect((await outboxOf(ca)).at(-1)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("fails at once when Twilio refuses the credentials", async () => {
    await api(stack, a, "PUT", "/api/notifications/sms", twilioSettings(SID_A, "a-wrong-token-for-account-a"));
    await invoiceFor(a, alice);
    await workerPass(stack, [a]);
    const row = (await outboxOf(ca)).at(-1);
    expect(row).toMatchObject({ status: "failed" });
    expect(row?.lastError).toContain("20003");
    await api(stack, a, "PUT", "/api/notifications/sms", twilioSettings(SID_A, TOKEN_A));
  });
});

describe("tenant isolation", () => {
  it("tenant B's host, token and settings reach none of tenant A's messages", async () => {
    await invoiceFor(a, alice);
    await invoiceFor(b, bobB);
    await workerPass(stack, [a, b]);
    const msgA = twilio.messages.find((m) => m.accountSid === SID_A);
    const msgB = twilio.messages.find((m) => m.accountSid === SID_B);
    const rowA = (await outboxOf(ca)).at(-1);
    if (!msgA || !msgB || !rowA) throw new Error("not sent");
    expect(msgB.to).toBe("+15550000002");

    // A's message id and callback path, posted to B's host: signed with A's token it fails B's
    // check; signed with B's token it finds no such message in B's schema.
    const onB = `http://${b.host}/api/notifications/sms-callbacks/twilio/${rowA.id}`;
    expect(await twilio.sendStatus(msgA.sid, "failed", { port: stack.port, url: onB, token: TOKEN_A })).toBe(403);
    expect(await twilio.sendStatus(msgA.sid, "failed", { port: stack.port, url: onB, token: TOKEN_B })).toBe(404);
    expect((await outboxOf(ca)).find((r) => r.id === rowA.id)).toMatchObject({ status: "sent" });

    // B sees only its own outbox and its own (public) settings; it cannot test-send with A's gateway.
    const outboxB = await api(stack, b, "GET", "/api/notifications/outbox");
    expect(outboxB.body.items.every((r: { recipient: string }) => r.recipient === "+15550000002")).toBe(true);
    const settingsB = await api(stack, b, "GET", "/api/notifications/sms");
    expect(settingsB.body.sms.publicInfo.accountSid).toBe("ACb2…b2b2");
    // A's token on B's host is refused.
    expectError(await api(stack, b, "GET", "/api/notifications/sms", undefined, a.token), 401, "unauthorized");
  });
});
