import { expect } from "vitest";
import type { Stack, TestTenant } from "../../../../../tests/harness.ts";

export interface PortalFixture {
  planId: string;
  subscriberId: string;
  username: string;
  password: string;
}

/** A plan and one subscriber (with an e-mail) in tenant `t`, made through the operator's API. */
export async function portalFixture(stack: Stack, t: TestTenant, username = "alice"): Promise<PortalFixture> {
  const op = (method: string, path: string, body?: unknown) =>
    stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });
  const plan = await op("POST", "/api/plans", {
    name: `Home ${username}`,
    downloadKbps: 20000,
    uploadKbps: 5000,
    priceCents: 1500,
    validityDays: 30,
    quotaBytes: 10 * 1024 ** 3,
    quotaPeriod: "monthly",
    fupAction: "throttle",
    fupDownloadKbps: 1000,
    fupUploadKbps: 500,
  });
  expect(plan.status).toBe(201);
  const password = `pw-${username}-1234`;
  const sub = await op("POST", "/api/subscribers", {
    username,
    password,
    planId: plan.body.plan.id,
    email: `${username}@example.net`,
    fullName: `${username} Example`,
  });
  expect(sub.status).toBe(201);
  return { planId: plan.body.plan.id, subscriberId: sub.body.subscriber.id, username, password };
}

export async function portalSignIn(stack: Stack, t: TestTenant, username: string, password: string): Promise<string> {
  const res = await stack.request("POST", "/api/portal/auth/login", { host: t.host, body: { username, password } });
  expect(res.status).toBe(200);
  return res.body.token as string;
}
