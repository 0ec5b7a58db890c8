import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
const as = (t: TestTenant, path: string) => stack.request("GET", path, { host: t.host, token: t.token });

async function client(t: TestTenant) {
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id));
  return stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
}

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  const nas = (
    await stack.request("POST", "/api/nas", {
      host: a.host,
      token: a.token,
      body: { name: "Tower 3", ipAddress: "192.0.2.33" },
    })
  ).body.nas.id;
  const ca = await client(a);
  const at = (min: number) => new Date(Date.now() - min * 60_000);
  await ca.db.insert(ca.t.authLogs).values([
    {
      username: "alice",
      nasId: nas,
      result: "reject",
      reason: "wrong_password",
      method: "pap",
      callingStationId: "AA:BB:CC:00:00:01",
      createdAt: at(3),
    },
    {
      username: "alice",
      nasId: nas,
      result: "reject",
      reason: "mac_mismatch",
      method: "chap",
      callingStationId: "AA:BB:CC:00:00:02",
      createdAt: at(2),
    },
    {
      username: "alice",
      nasId: nas,
      result: "accept",
      method: "chap",
      callingStationId: "AA:BB:CC:00:00:01",
      createdAt: at(1),
    },
    { username: "bob", nasId: nas, result: "reject", reason: "expired", method: "pap", createdAt: at(4) },
  ]);
  const cb = await client(b);
  await cb.db.insert(cb.t.authLogs).values([{ username: "alice", result: "reject", reason: "unknown_user" }]);
});
afterAll(() => stack.close());

describe("authentication log", () => {
  it("answers why a subscriber cannot connect: newest first, NAS by name, reasons in plain words", async () => {
    const res = await as(a, "/api/auth-logs?search=alice");
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(
      res.body.items.map((i: { result: string; reasonText: string; nasName: string }) => [
        i.result,
        i.reasonText,
        i.nasName,
      ]),
    ).toEqual([
      ["accept", "Connected", "Tower 3"],
      ["reject", "Connected from another device than the one it is locked to (MAC address)", "Tower 3"],
      ["reject", "Wrong password", "Tower 3"],
    ]);
    const refused = await as(a, "/api/auth-logs?result=reject");
    expect(refused.body.items.map((i: { reason: string }) => i.reason)).toEqual([
      "mac_mismatch",
      "wrong_password",
      "expired",
    ]);
    expect(refused.body.items[2].reasonText).toBe("The subscription has expired");
  });

  it("shows a tenant only its own lines, and refuses bad filters with the standard body", async () => {
    const other = await as(b, "/api/auth-logs");
    expect(other.body.items.map((i: { reason: string }) => i.reason)).toEqual(["unknown_user"]);
    expect((await stack.request("GET", "/api/auth-logs", { host: b.host, token: a.token })).status).toBe(401);
    expectError(await as(a, "/api/auth-logs?result=maybe"), 400, "validation_error");
    expectError(await as(a, "/api/auth-logs?from=yesterday"), 400, "validation_error");
    expectError(await as(a, "/api/auth-logs?search=%00"), 400, "validation_error");
  });
});
