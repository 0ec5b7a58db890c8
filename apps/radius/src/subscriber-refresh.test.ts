import type { SubscriberRecord } from "@proxpanel/radius";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../tests/harness.ts";
import { startTestDaemon } from "./testing.ts";

/** Polls until `ok` holds or the attempts run out; the caller asserts on what comes back. */
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, attempts = 60): Promise<T> {
  let last = await fn();
  for (let i = 1; i < attempts && !ok(last); i++) {
    await new Promise((r) => setTimeout(r, 100));
    last = await fn();
  }
  return last;
}

/**
 * An edit of one subscriber through the API reaches the daemon as `{ tenantId, subscriberId }` and
 * patches that one row into the cached tenant (the snapshot object stays the same one), instead
 * of reloading the whole tenant; a bulk change still reloads it whole.
 */
describe("one-subscriber refresh of the RADIUS daemon's tenant cache", () => {
  let stack: Stack;
  let t: TestTenant;
  let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
  const ids: Record<string, string> = {};
  let planId = "";

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.request(method, path, { host: t.host, token: t.token, body });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const find = async (username: string): Promise<SubscriberRecord | undefined> =>
    daemon.source.findSubscriber(t.id, username);
  const snapshot = async () => daemon.source.tenants.get(t.id);

  beforeAll(async () => {
    stack = await startStack();
    t = await signupTenant(stack);
    planId = (await api("POST", "/api/plans", { name: "Home", downloadKbps: 10_000, uploadKbps: 5_000 })).plan.id;
    for (const name of ["carol", "dave"]) {
      const body = { username: name, password: `${name}-pass-1`, planId };
      ids[name] = (await api("POST", "/api/subscribers", body)).subscriber.id;
    }
    const deps = stack.runtime.deps;
    daemon = await startTestDaemon(deps);
  });

  afterAll(async () => {
    await daemon?.stop();
    await stack?.close();
  });

  it("patches a password change, a disable, a rename, a new and a deleted subscriber in place", async () => {
    expect((await find("carol"))?.password).toBe("carol-pass-1");
    const cached = await snapshot();
    expect(cached).toBeDefined();

    await api("PATCH", `/api/subscribers/${ids.carol}`, { password: "carol-pass-2" });
    expect(
      (
        await eventually(
          () => find("carol"),
          (r) => r?.password === "carol-pass-2",
        )
      )?.password,
    ).toBe("carol-pass-2");

    await api("POST", `/api/subscribers/${ids.carol}/disable`);
    expect(
      (
        await eventually(
          () => find("carol"),
          (r) => r?.status === "disabled",
        )
      )?.status,
    ).toBe("disabled");

    await api("PATCH", `/api/subscribers/${ids.carol}`, { username: "caroline" });
    expect(
      await eventually(
        () => find("caroline"),
        (r) => r !== undefined,
      ),
    ).toBeDefined();
    expect(await find("carol")).toBeUndefined();

    ids.erin = (
      await api("POST", "/api/subscribers", { username: "erin", password: "erin-pass-1", planId })
    ).subscriber.id;
    expect(
      (
        await eventually(
          () => find("erin"),
          (r) => r !== undefined,
        )
      )?.password,
    ).toBe("erin-pass-1");

    await api("DELETE", `/api/subscribers/${ids.dave}`);
    expect(
      await eventually(
        () => find("dave"),
        (r) => r === undefined,
      ),
    ).toBeUndefined();

    // Every change above was patched into the same snapshot: no whole-tenant reload.
    expect(await snapshot()).toBe(cached);
  });

  it("reloads the whole tenant for a change that names no single subscriber (bulk)", async () => {
    const before = await snapshot();
    await api("POST", "/api/subscribers/bulk", { ids: [ids.erin], action: "disable" });
    expect(
      (
        await eventually(
          () => find("erin"),
          (r) => r?.status === "disabled",
        )
      )?.status,
    ).toBe("disabled");
    expect(await snapshot()).not.toBe(before);
  });
});
