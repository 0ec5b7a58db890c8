import type { BoundTenantClient } from "@proxpanel/db";
import type { FakeSmsGateway } from "@proxpanel/notify/testing/fake-sms-gateway";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import type { Stack, TestTenant } from "../../../../../tests/harness.ts";
import { tenantClient, workerPass } from "../../../../../tests/notify-support.ts";

/** Tenant `t` sends SMS through the fake gateway and asks for the phone code at portal sign-in. */
export async function otpOn(stack: Stack, t: TestTenant, gw: FakeSmsGateway): Promise<BoundTenantClient> {
  const op = (method: string, path: string, body: unknown) =>
    stack.request(method, path, { host: t.host, token: t.token, body });
  const sms = await op("PUT", "/api/notifications/sms", {
    provider: "http",
    sender: "AcmeISP",
    config: {
      url: `${gw.url}/send`,
      method: "POST",
      bodyFormat: "json",
      bodyTemplate: '{"text":"{body}","to":"{to}"}',
    },
  });
  expect(sms.status).toBe(200);
  const put = await op("PUT", "/api/settings/portal", { phoneOtp: "on" });
  expect(put.status).toBe(200);
  expect(put.body.portal.phoneOtp).toBe("on");
  return tenantClient(stack, t.id);
}

export async function setPhone(client: BoundTenantClient, subscriberId: string, phone: string | null) {
  await client.db.update(client.t.subscribers).set({ phone }).where(eq(client.t.subscribers.id, subscriberId));
}

/** Runs the worker's delivery pass and returns the code of the last SMS the gateway got for `to`. */
export async function codeSentTo(stack: Stack, t: TestTenant, gw: FakeSmsGateway, to: string): Promise<string> {
  await workerPass(stack, [t]);
  const mine = gw.requests.map((r) => JSON.parse(r.body) as { text: string; to: string }).filter((m) => m.to === to);
  const text = mine.at(-1)?.text ?? "";
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  expect(code, `an SMS with a code to ${to}`).toBeDefined();
  return code as string;
}
