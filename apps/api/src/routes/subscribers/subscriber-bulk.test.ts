import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { userWith } from "../settings/test-support.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let planA: string;
let planB: string;

const call = (t: TestTenant, token: string, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, token, ...(body === undefined ? {} : { body }) });
const op = (method: string, path: string, body?: unknown) => call(a, a.token, method, path, body);

async function sub(t: TestTenant, plan: string, username: string) {
  const res = await call(t, t.token, "POST", "/api/subscribers", { username, password: "pw-1234", planId: plan });
  expect(res.status).toBe(201);
  return res.body.subscriber.id as string;
}

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  b = await signupTenant(stack);
  planA = (await op("POST", "/api/plans", { name: "A", downloadKbps: 1000, uploadKbps: 500, priceCents: 1000 })).body
    .plan.id;
  planB = (await call(b, b.token, "POST", "/api/plans", { name: "B", downloadKbps: 1, uploadKbps: 1 })).body.plan.id;
});
afterAll(() => stack.close());

describe("bulk actions on subscribers", () => {
  it("disables, enables, changes plan and renews a selection, each on its own, reporting each failure", async () => {
    const ids = [await sub(a, planA, "bulk1"), await sub(a, planA, "bulk2"), await sub(a, planA, "bulk3")];
    const disabled = await op("POST", "/api/subscribers/bulk", { ids, action: "disable" });
    expect(disabled.body).toMatchObject({ succeeded: 3, failed: 0 });
    const list = await op("GET", "/api/subscribers?search=bulk");
    expect(list.body.items.map((s: { status: string }) => s.status)).toEqual(["disabled", "disabled", "disabled"]);
    expect(list.body.items[0]).toMatchObject({ online: false, framedIp: null });
    expect((await op("POST", "/api/subscribers/bulk", { ids, action: "enable" })).body.succeeded).toBe(3);

    const faster = (
      await op("POST", "/api/plans", { name: "A fast", downloadKbps: 9000, uploadKbps: 900, priceCents: 2000 })
    ).body.plan.id;
    expect(
      (await op("POST", "/api/subscribers/bulk", { ids, action: "change_plan", planId: faster })).body.succeeded,
    ).toBe(3);
    expectError(await op("POST", "/api/subscribers/bulk", { ids, action: "change_plan" }), 400, "validation_error");

    // Only the first has the balance for a renewal: the others fail on their own, named.
    await op("POST", "/api/transactions/payments", { subscriberId: ids[0], amountCents: 2000, description: "cash" });
    const renewed = await op("POST", "/api/subscribers/bulk", { ids, action: "renew" });
    expect(renewed.body).toMatchObject({ succeeded: 1, failed: 2 });
    expect(renewed.body.results[1]).toMatchObject({ id: ids[1], ok: false, error: { code: "insufficient_balance" } });
    const audit = await op("GET", `/api/audit-logs?entityId=${ids[2]}&limit=50`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["subscriber.change_plan", "subscriber.disable", "subscriber.enable"]),
    );
  });

  it("reaches nothing of another tenant, and needs subscribers.edit", async () => {
    const foreign = await sub(b, planB, "foreign1");
    const res = await op("POST", "/api/subscribers/bulk", { ids: [foreign, crypto.randomUUID()], action: "disable" });
    expect(res.body).toMatchObject({ succeeded: 0, failed: 2 });
    expect(res.body.results[0].error.code).toBe("not_found");
    expect((await call(b, b.token, "GET", `/api/subscribers/${foreign}`)).body.subscriber.status).toBe("active");
    const viewer = await userWith(stack, a, ["subscribers.view"]);
    expectError(
      await call(a, viewer, "POST", "/api/subscribers/bulk", { ids: [foreign], action: "disable" }),
      403,
      "forbidden",
    );
    expectError(await op("POST", "/api/subscribers/bulk", { ids: [], action: "disable" }), 400, "validation_error");
    expectError(
      await op("POST", "/api/subscribers/bulk", {
        ids: Array.from({ length: 201 }, () => crypto.randomUUID()),
        action: "disable",
      }),
      400,
      "validation_error",
    );
  });
});
