// Shared by the notification delivery suites: a stack whose tenants may use local gateways, and
// one worker pass over a given tenant.
import type { BoundTenantClient } from "@proxpanel/db";
import type { DeliveryAdapter } from "@proxpanel/notify";
import pino from "pino";
import { tenantClient } from "../apps/api/src/routes/settings/test-support.ts";
import { runNotifications } from "../apps/worker/src/notify-jobs.ts";
import type { Stack, TestTenant } from "./harness.ts";

export const api = (stack: Stack, t: TestTenant, method: string, path: string, body?: unknown, token = t.token) =>
  stack.request(method, path, { host: t.host, token, ...(body === undefined ? {} : { body }) });

/** One pass of the worker's notification job over these tenants (events scanned, then delivery). */
export function workerPass(stack: Stack, tenants: TestTenant[], opts: { now?: Date; email?: DeliveryAdapter } = {}) {
  const d = stack.runtime.deps;
  return runNotifications(
    { db: d.db, tenantClients: d.tenantClients, keys: d.keys, config: d.config, logger: pino({ level: "silent" }) },
    { tenantIds: tenants.map((t) => t.id), ...opts },
  );
}

export async function addSubscriber(
  client: BoundTenantClient,
  values: { username: string; phone?: string | null; email?: string | null; planId?: string | null; expiresAt?: Date },
) {
  const [row] = await client.db
    .insert(client.t.subscribers)
    .values({ passwordEnc: "not-used-here", fullName: `Name of ${values.username}`, ...values })
    .returning();
  if (!row) throw new Error("subscriber not created");
  return row;
}

export async function outboxOf(client: BoundTenantClient) {
  return client.db.select().from(client.t.notificationOutbox).orderBy(client.t.notificationOutbox.id);
}

export { tenantClient };
