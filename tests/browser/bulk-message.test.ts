import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantClient } from "../../apps/api/src/routes/settings/test-support.ts";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;
let page: Page;

beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
  page = await bs.newPage();
});
afterAll(async () => {
  await bs?.close();
});

const api = (method: string, path: string, body?: unknown) =>
  bs.stack.request(method, path, { host: tenant.host, token: tenant.token, body });

describe("bulk message on the subscriber list", { timeout: 90_000 }, () => {
  it("sends the operator's SMS to the selection and says who could not get it", async () => {
    const plan = (await api("POST", "/api/plans", { name: "Msg plan", downloadKbps: 1, uploadKbps: 1 })).body.plan.id;
    for (const [username, phone] of [
      ["sms.one", "+254700000301"],
      ["sms.none", null],
    ] as const) {
      const res = await api("POST", "/api/subscribers", { username, password: "pass1234", planId: plan, phone });
      expect(res.status).toBe(201);
    }
    await loginTenant(bs, page, tenant);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/subscribers`);
    await page.getByLabel("Select sms.one").check();
    await page.getByLabel("Select sms.none").check();
    const bulk = page.getByRole("form", { name: "Bulk action" });
    await bulk.getByLabel("Action").selectOption("message");
    const message = bulk.getByRole("group", { name: "Message" });
    await message.getByLabel("Text").fill("Hello {{subscriber.username}}, maintenance tonight.");
    await message.getByRole("button", { name: "Send to 2" }).click();
    await page.getByText("1 message queued, 1 skipped").waitFor();
    await message.getByTestId("message-skipped").getByText("Subscriber has no phone", { exact: false }).waitFor();
    await screenshot(page, "bulk-message-1280");

    const c = await tenantClient(bs.stack, tenant.id);
    const rows = await c.db.select().from(c.t.notificationOutbox);
    expect(rows.map((r) => [r.event, r.channel, r.recipient, r.body])).toEqual([
      ["message", "sms", "+254700000301", "Hello sms.one, maintenance tonight."],
    ]);
  });
});
