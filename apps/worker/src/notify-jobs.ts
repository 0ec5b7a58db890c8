import type { Config } from "@proxpanel/config";
import { type Db, type TenantClientCache, tenants } from "@proxpanel/db";
import {
  companyAndTimezone,
  type DeliveryAdapter,
  type DeliveryReport,
  deliverPending,
  fromWithName,
  loadSmsSettings,
  publicOrigin,
  type ScanReport,
  scanEvents,
  smsAdapterFor,
  smtpAdapter,
} from "@proxpanel/notify";
import type { TenantKeyRing } from "@proxpanel/tenancy";
import type { Cron } from "croner";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";

export interface NotifyJobDeps {
  db: Db;
  tenantClients: TenantClientCache;
  logger: Logger;
  /** Unseals each tenant's SMS gateway; without it SMS rows wait (and count attempts). */
  keys?: Pick<TenantKeyRing, "forTenant">;
  config?: Pick<
    Config,
    | "SMTP_URL"
    | "MAIL_FROM"
    | "BASE_DOMAIN"
    | "NODE_ENV"
    | "PUBLIC_SCHEME"
    | "PUBLIC_PORT"
    | "TWILIO_API_BASE"
    | "SMS_GATEWAY_ALLOW_PRIVATE"
  >;
}

export interface TenantNotifyReport extends DeliveryReport, ScanReport {
  tenantId: string;
}

/**
 * Active tenants with the notifications module (their own list, or their plan's) and a schema: a
 * suspended workspace's subscribers hear nothing from it.
 */
async function notifyingTenants(db: Db, tenantIds?: string[]) {
  return db
    .select({
      id: tenants.id,
      slug: tenants.slug,
      schemaName: tenants.schemaName,
      customDomain: tenants.customDomain,
      customDomainVerifiedAt: tenants.customDomainVerifiedAt,
    })
    .from(tenants)
    .where(
      and(
        eq(tenants.status, "active"),
        tenantIds ? inArray(tenants.id, tenantIds) : undefined,
        sql`'notifications' = any(coalesce(${tenants.modules}, (select p.modules from public.plans p where p.code = ${tenants.plan})))`,
        sql`exists (select 1 from pg_namespace where nspname = ${tenants.schemaName})`,
      ),
    );
}

/**
 * One pass: for every tenant, queue what the scanned events call for (expiry, quota), then send
 * what is due. E-mail goes through the cluster's relay (SMTP_URL) with the tenant's name on the
 * From line; SMS through the tenant's own gateway.
 */
export async function runNotifications(
  deps: NotifyJobDeps,
  opts: { now?: Date; tenantIds?: string[]; email?: DeliveryAdapter } = {},
): Promise<TenantNotifyReport[]> {
  const log = deps.logger.child({ component: "notify" });
  const config = deps.config;
  const relay = config?.SMTP_URL ? smtpAdapter({ transport: config.SMTP_URL, from: config.MAIL_FROM }) : undefined;
  const reports: TenantNotifyReport[] = [];
  try {
    for (const tenant of await notifyingTenants(deps.db, opts.tenantIds)) {
      try {
        const client = deps.tenantClients.get(tenant.schemaName);
        const scope = { db: client.db, t: client.t, slug: tenant.slug };
        const scanned = await scanEvents(scope, opts.now ? { now: opts.now } : {});
        const adapters: DeliveryAdapter[] = [];
        if (opts.email) adapters.push(opts.email);
        else if (relay && config) {
          adapters.push(relay.withFrom(fromWithName(config.MAIL_FROM, (await companyAndTimezone(scope)).companyName)));
        }
        const sms = deps.keys ? await loadSmsSettings(client.db, client.t, await deps.keys.forTenant(tenant.id)) : null;
        if (sms?.enabled) {
          const host =
            tenant.customDomain && tenant.customDomainVerifiedAt
              ? tenant.customDomain
              : `${tenant.slug}.${config?.BASE_DOMAIN ?? "localhost"}`;
          adapters.push(
            smsAdapterFor(sms, {
              twilioApiBase: config?.TWILIO_API_BASE,
              allowPrivateGateways: config?.SMS_GATEWAY_ALLOW_PRIVATE,
              callbackOrigin: config ? publicOrigin(config, host) : null,
            }),
          );
        }
        const delivered = await deliverPending(client.db, client.t, adapters, opts.now ? { now: opts.now } : {});
        reports.push({ tenantId: tenant.id, ...scanned, ...delivered });
      } catch (err) {
        // One tenant's broken gateway or schema must not stop the others' messages.
        log.warn({ err: String(err), tenantId: tenant.id }, "notification pass failed for a tenant");
      }
    }
  } finally {
    relay?.close();
  }
  return reports;
}

type Job = (name: string, pattern: string, fn: () => Promise<unknown>) => Cron;

/** Every minute: scan events and deliver, for every live tenant. */
export function notifyJobs(deps: NotifyJobDeps, job: Job): Cron[] {
  const log = deps.logger.child({ component: "notify" });
  if (!deps.keys) log.info("tenant SMS gateways off: no tenant key ring in this process");
  return [
    job("notifications", "* * * * *", async () => {
      for (const r of await runNotifications(deps)) {
        if (r.sent || r.failed || r.expiry || r.quota) log.info(r, "notifications");
      }
    }),
  ];
}
