import type { TenantTables } from "@proxpanel/db";
import { and, eq, exists, gt, isNotNull, ne, not, or, type SQL, sql } from "drizzle-orm";
import { companyAndTimezone, type EnqueueResult, enqueueForSubscriber, type TenantScope } from "./enqueue.ts";
import type { NotificationChannel, NotificationEvent } from "./template.ts";

/** system_preferences key: days before expiry the reminder goes out (0 = no reminders). */
export const EXPIRY_DAYS_KEY = "notification_expiry_reminder_days";
export const DEFAULT_EXPIRY_DAYS = 3;
export const QUOTA_THRESHOLDS = [80, 100] as const;

export async function expiryReminderDays(scope: Pick<TenantScope, "db" | "t">): Promise<number> {
  const sp = scope.t.systemPreferences;
  const row = (await scope.db.select().from(sp).where(eq(sp.key, EXPIRY_DAYS_KEY)).limit(1))[0];
  return typeof row?.value === "number" ? row.value : DEFAULT_EXPIRY_DAYS;
}

async function activeChannels(scope: TenantScope, event: NotificationEvent): Promise<NotificationChannel[]> {
  const nt = scope.t.notificationTemplates;
  const rows = await scope.db
    .select({ channel: nt.channel })
    .from(nt)
    .where(and(eq(nt.event, event), eq(nt.isActive, true)));
  return rows.map((r) => r.channel);
}

/**
 * Subscribers something could reach: a channel with an active template, not opted out, with an
 * address. Scanning the others every minute would find them again and queue nothing each time.
 */
function reachable(t: TenantTables, channels: NotificationChannel[]): SQL | undefined {
  const s = t.subscribers;
  return or(
    ...channels.map((c) =>
      c === "email"
        ? and(eq(s.notifyEmail, true), isNotNull(s.email), ne(s.email, ""))
        : and(eq(s.notifySms, true), isNotNull(s.phone), ne(s.phone, "")),
    ),
  );
}

const alreadyQueued = (t: TenantTables, key: SQL) => {
  const o = t.notificationOutbox;
  return exists(sql`(select 1 from ${o} where ${o.subscriberId} = ${t.subscribers.id} and ${o.dedupeKey} = ${key})`);
};

export interface ScanReport {
  expiry: number;
  quota: number;
}

/**
 * Reminders N days before expiry, counted in the tenant's timezone: a subscriber expiring on the
 * 20th (local) hears on the 17th (local) with N = 3, however the server's clock is set. Keyed by
 * the local expiry date, so each expiry date is announced once; a renewal moves the date and the
 * next one is announced again.
 */
export async function scanExpiryReminders(scope: TenantScope, opts: { now?: Date; limit?: number } = {}) {
  const channels = await activeChannels(scope, "expiry_reminder");
  const days = await expiryReminderDays(scope);
  if (!channels.length || days <= 0) return [];
  const { timezone } = await companyAndTimezone(scope);
  const s = scope.t.subscribers;
  const now = opts.now ?? new Date();
  const localDay = sql<string>`to_char((${s.expiresAt} at time zone ${timezone})::date, 'YYYY-MM-DD')`;
  const key = sql`'expiry:' || ${localDay}`;
  const due = await scope.db
    .select({ id: s.id, day: localDay })
    .from(s)
    .where(
      and(
        eq(s.status, "active"),
        gt(s.expiresAt, now),
        sql`(${s.expiresAt} at time zone ${timezone})::date - ${days}::int <= (${now.toISOString()}::timestamptz at time zone ${timezone})::date`,
        reachable(scope.t, channels),
        not(alreadyQueued(scope.t, key)),
      ),
    )
    .limit(opts.limit ?? 500);
  const results: EnqueueResult[] = [];
  for (const row of due) {
    const r = await enqueueForSubscriber(scope, {
      event: "expiry_reminder",
      subscriberId: row.id,
      dedupeKey: `expiry:${row.day}`,
    });
    if (r) results.push(r);
  }
  return results;
}

/**
 * Usage at 80 % and at 100 % of the plan's quota, once each per usage period (the period starts at
 * usage_reset_at). A subscriber who jumps past 100 % at once hears only about 100 %.
 */
export async function scanQuotaWarnings(scope: TenantScope, opts: { limit?: number } = {}) {
  const channels = await activeChannels(scope, "quota_warning");
  if (!channels.length) return [];
  const { t } = scope;
  const s = t.subscribers;
  const p = t.servicePlans;
  const used = sql<number>`(${s.bytesIn} + ${s.bytesOut})`;
  const threshold = sql<number>`(case when ${used}::numeric >= ${p.quotaBytes}::numeric then 100 else 80 end)`;
  const period = sql<string>`coalesce(to_char(${s.usageResetAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'), 'start')`;
  const key = sql`'quota:' || ${threshold} || ':' || ${period}`;
  const due = await scope.db
    .select({ id: s.id, used, quota: p.quotaBytes, threshold, period })
    .from(s)
    .innerJoin(p, eq(p.id, s.planId))
    .where(
      and(
        eq(s.status, "active"),
        gt(p.quotaBytes, 0),
        ne(p.quotaPeriod, "none"),
        sql`${used}::numeric * 100 >= ${p.quotaBytes}::numeric * ${QUOTA_THRESHOLDS[0]}`,
        reachable(t, channels),
        not(alreadyQueued(t, key)),
      ),
    )
    .limit(opts.limit ?? 500);
  const results: EnqueueResult[] = [];
  for (const row of due) {
    const usedBytes = Number(row.used);
    const limitBytes = Number(row.quota);
    const r = await enqueueForSubscriber(scope, {
      event: "quota_warning",
      subscriberId: row.id,
      dedupeKey: `quota:${row.threshold}:${row.period}`,
      data: { quota: { percent: (usedBytes * 100) / limitBytes, usedBytes, limitBytes } },
    });
    if (r) results.push(r);
  }
  return results;
}

export async function scanEvents(scope: TenantScope, opts: { now?: Date } = {}): Promise<ScanReport> {
  const expiry = await scanExpiryReminders(scope, opts);
  const quota = await scanQuotaWarnings(scope);
  const count = (rs: EnqueueResult[]) => rs.reduce((n, r) => n + r.queued.length, 0);
  return { expiry: count(expiry), quota: count(quota) };
}
