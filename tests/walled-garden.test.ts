// Suspended for non-payment, into the tenant's walled garden instead of a reject: the worker
// suspends, the RADIUS daemon (over the database) answers radclient, the API restores on payment.

import { type RadclientResult, radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWalledGarden } from "../apps/radius/src/db/walled-garden.ts";
import { startTestDaemon } from "../apps/radius/src/testing.ts";
import { runInvoices } from "../apps/worker/src/invoice-jobs.ts";
import { expectError } from "./expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant, uniqueSlug } from "./harness.ts";

const DAY = 86_400_000;
const SECRET = "walled-garden-secret";
let stack: Stack;
let a: TestTenant;
let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
const nasId = uniqueSlug("nas-wg");

const op = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, ...(body === undefined ? {} : { body }) });
const worker = () => ({
  db: stack.runtime.deps.db,
  tenantClients: stack.runtime.deps.tenantClients,
  logger: pino({ level: "silent" }),
  state: stack.runtime.deps.state,
});
const login = (username: string, password: string) =>
  radclient({
    port: daemon.authPort,
    type: "auth",
    secret: SECRET,
    retries: 1,
    timeoutSeconds: 1,
    packets: [
      `NAS-Identifier = "${nasId}"\nMessage-Authenticator = 0x00\nUser-Name = "${username}"\nUser-Password = "${password}"`,
    ],
  });
const reply = (r: RadclientResult) => r.replies[0];

/** Polls radclient until the answer satisfies `ok` (the daemon reloads the tenant on the change event). */
async function eventually(fn: () => Promise<RadclientResult>, ok: (r: RadclientResult) => boolean) {
  let last = await fn();
  for (let i = 0; i < 40 && !ok(last); i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await fn();
  }
  return last;
}

async function overdueSubscriber(username: string) {
  const plan = await op("POST", "/api/plans", { name: `P ${username}`, downloadKbps: 20_000, uploadKbps: 5_000 });
  const sub = await op("POST", "/api/subscribers", {
    username,
    password: "pw-12345",
    planId: plan.body.plan.id,
    expiresAt: new Date(Date.now() + 20 * DAY).toISOString(),
  });
  expect(sub.status).toBe(201);
  const inv = await op("POST", "/api/invoices", {
    subscriberId: sub.body.subscriber.id,
    amountCents: 1_000,
    description: "Service",
    dueAt: new Date(Date.now() - 30 * DAY).toISOString(),
  });
  return { id: sub.body.subscriber.id as string, invoiceId: inv.body.invoice.id as string };
}

beforeAll(async () => {
  requireRadclient();
  stack = await startStack();
  a = await signupTenant(stack);
  expect(
    (await op("POST", "/api/nas", { name: "WG", ipAddress: "127.0.0.1", identifier: nasId, secret: SECRET })).status,
  ).toBe(201);
  const deps = stack.runtime.deps;
  daemon = await startTestDaemon(deps);
});
afterAll(async () => {
  await daemon?.stop();
  await stack?.close();
});

describe("walled garden for accounts suspended for non-payment", () => {
  it("rejects by default, admits into the garden when the tenant chooses it, and restores the plan on payment", async () => {
    const settings = await op("GET", "/api/billing/settings");
    expect(settings.body.suspension).toEqual({
      mode: "reject",
      rateLimit: "256k/256k",
      addressList: "proxpanel-walled-garden",
      filterId: "",
    });
    const sub = await overdueSubscriber("wg-late");
    const before = await eventually(
      () => login("wg-late", "pw-12345"),
      (r) => reply(r)?.code === "Access-Accept",
    );
    expect(reply(before)?.attributes["Mikrotik-Rate-Limit"]).toEqual(["5000k/20000k"]);

    expect((await runInvoices(worker(), { tenantIds: [a.id] }))[0]?.suspended).toEqual([sub.id]);
    const rejected = await eventually(
      () => login("wg-late", "pw-12345"),
      (r) => reply(r)?.code === "Access-Reject",
    );
    expect(reply(rejected)?.attributes["Reply-Message"]).toEqual(["Account disabled"]);

    const patched = await op("PATCH", "/api/billing/settings", {
      suspension: { mode: "walled_garden", rateLimit: "128k/256k", filterId: "unpaid-in" },
    });
    expect(patched.status).toBe(200);
    const garden = await eventually(
      () => login("wg-late", "pw-12345"),
      (r) => reply(r)?.code === "Access-Accept",
    );
    expect(reply(garden)?.attributes).toMatchObject({
      "Mikrotik-Rate-Limit": ["128k/256k"],
      "Mikrotik-Address-List": ["proxpanel-walled-garden"],
      "Filter-Id": ["unpaid-in"],
    });
    // Still suspended as far as the panel goes; the wrong password is still refused.
    expect((await op("GET", `/api/subscribers/${sub.id}`)).body.subscriber.status).toBe("disabled");
    expect(reply(await login("wg-late", "not-the-password"))?.code).toBe("Access-Reject");

    // An operator's own disable is never a walled garden.
    const off = await overdueSubscriber("wg-operator-off");
    await op("POST", `/api/subscribers/${off.id}/disable`);
    const offReply = await eventually(
      () => login("wg-operator-off", "pw-12345"),
      (r) => reply(r)?.code === "Access-Reject",
    );
    expect(reply(offReply)?.code).toBe("Access-Reject");

    // Paid: restored, and the plan's own rate comes back without the garden's attributes.
    expect((await op("POST", `/api/invoices/${sub.invoiceId}/payments`, {})).body.restored).toBe(true);
    const restored = await eventually(
      () => login("wg-late", "pw-12345"),
      (r) => reply(r)?.attributes["Mikrotik-Rate-Limit"]?.[0] === "5000k/20000k",
    );
    expect(reply(restored)?.code).toBe("Access-Accept");
    expect(reply(restored)?.attributes["Mikrotik-Address-List"]).toBeUndefined();
    expect(reply(restored)?.attributes["Filter-Id"]).toBeUndefined();
  });

  it("validates the setting and reads a stored document leniently", async () => {
    expectError(
      await op("PATCH", "/api/billing/settings", { suspension: { mode: "garden" } }),
      400,
      "validation_error",
    );
    expectError(
      await op("PATCH", "/api/billing/settings", { suspension: { rateLimit: "fast" } }),
      400,
      "validation_error",
    );
    expectError(
      await op("PATCH", "/api/billing/settings", { suspension: { addressList: "a b;drop" } }),
      400,
      "validation_error",
    );
    expectError(await op("PATCH", "/api/billing/settings", { suspension: { other: 1 } }), 400, "validation_error");
    expect(parseWalledGarden(undefined)).toBeNull();
    expect(parseWalledGarden({ suspension: { mode: "reject", rateLimit: "1M/1M" } })).toBeNull();
    expect(parseWalledGarden({ suspension: { mode: "walled_garden", rateLimit: "1M/1M; x" } })).toBeNull();
    expect(parseWalledGarden({ suspension: { mode: "walled_garden", rateLimit: "1M/1M" } })).toEqual({
      rateLimit: "1M/1M",
      addressList: "proxpanel-walled-garden",
      filterId: "",
    });
  });
});
