import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let subA: { id: string };
let planA: string;

const as = (t: TestTenant, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  planA = (await as(a, "POST", "/api/plans", { name: "A plan", downloadKbps: 100, uploadKbps: 100 })).body.plan.id;
  subA = (await as(a, "POST", "/api/subscribers", { username: "shared-name", password: "pass1234", planId: planA }))
    .body.subscriber;
});
afterAll(() => stack.close());

describe("subscriber and plan isolation", () => {
  it("never reads, changes or deletes another tenant's subscriber by id", async () => {
    for (const [method, path, body] of [
      ["GET", `/api/subscribers/${subA.id}`],
      ["PATCH", `/api/subscribers/${subA.id}`, { notes: "pwned" }],
      ["POST", `/api/subscribers/${subA.id}/disable`],
      ["POST", `/api/subscribers/${subA.id}/reveal-password`],
      ["GET", `/api/subscribers/${subA.id}/usage`],
      ["DELETE", `/api/subscribers/${subA.id}`],
    ] as const) {
      const res = await as(b, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const own = await as(a, "GET", `/api/subscribers/${subA.id}`);
    expect(own.body.subscriber).toMatchObject({ status: "active", notes: "" });
  });

  it("cannot attach another tenant's plan, and usernames are unique per tenant only", async () => {
    const res = await as(b, "POST", "/api/subscribers", { username: "x1", password: "pass1234", planId: planA });
    expect(res.status).toBe(400);
    expect((await as(b, "GET", `/api/plans/${planA}`)).status).toBe(404);
    const planB = (await as(b, "POST", "/api/plans", { name: "B plan", downloadKbps: 100, uploadKbps: 100 })).body.plan
      .id;
    expect(
      (await as(b, "POST", "/api/subscribers", { username: "shared-name", password: "pass1234", planId: planB }))
        .status,
    ).toBe(201);
    const listB = await as(b, "GET", "/api/subscribers");
    expect(listB.body.items.map((s: { id: string }) => s.id)).not.toContain(subA.id);
    const csv = await as(b, "GET", "/api/subscribers/export.csv");
    expect(String(csv.body)).not.toContain("A plan");
  });

  it("refuses ids, bodies and queries that are malformed, with the stable error body", async () => {
    expect((await as(a, "GET", "/api/subscribers/not-a-uuid")).status).toBe(400);
    const extra = await as(a, "POST", "/api/subscribers", {
      username: "y",
      password: "pass1234",
      planId: planA,
      isAdmin: true,
    });
    expect(extra.status).toBe(400);
    expect(Object.keys(extra.body.error).sort()).toEqual(["code", "details", "message", "requestId"]);
    expect((await as(a, "GET", "/api/subscribers?search=%27%20or%201%3D1--")).body.items).toEqual([]);
    expect(
      (await as(a, "POST", "/api/subscribers", { username: "bad name", password: "pass1234", planId: planA })).status,
    ).toBe(400);
  });
});
