import type { TenantTables } from "@proxpanel/db";
import { sql } from "drizzle-orm";
import type { SessionRow } from "./session-rows.ts";

/** A session's row as it stood before this batch. */
export interface PriorSession {
  inputOctets: number;
  outputOctets: number;
  updateTime: Date | null;
}

export interface SessionTraffic {
  /** Octets since the session's previous record (0 when counters went backwards: a reset). */
  deltaIn: number;
  deltaOut: number;
  /** Bytes per second since the previous record; null when there is no earlier point in time. */
  rateIn: number | null;
  rateOut: number | null;
}

const FIVE_MINUTES = 300_000;
const HOUR = 3_600_000;

/**
 * Octet deltas and rates of one session from its previous record. The octets already include the
 * Gigawords multiplier (parseAccounting), so a 32-bit counter wrapping past 4 GiB with its
 * Gigawords attribute is an ordinary increase here. A session seen first by an interim (its Start
 * lost) has no previous time: its rate is its average over Acct-Session-Time.
 */
export function sessionTraffic(row: SessionRow, prior: PriorSession | undefined): SessionTraffic {
  const deltaIn = Math.max(0, row.inputOctets - (prior?.inputOctets ?? 0));
  const deltaOut = Math.max(0, row.outputOctets - (prior?.outputOctets ?? 0));
  let seconds = 0;
  if (prior?.updateTime) seconds = (row.updateTime.getTime() - prior.updateTime.getTime()) / 1000;
  else if (!prior && row.sessionTime > 0) seconds = row.sessionTime;
  if (seconds <= 0) return { deltaIn, deltaOut, rateIn: null, rateOut: null };
  return { deltaIn, deltaOut, rateIn: Math.round(deltaIn / seconds), rateOut: Math.round(deltaOut / seconds) };
}

/** One bucket row's increment: bucket start (ISO), subscriber, NAS, octets in, octets out. */
export type BucketDelta = [string, string, string, number, number];

/**
 * The batch's deltas summed per 5-minute and per hourly bucket of (subscriber, NAS), in the daemon:
 * a batch of 2,000 interims from 1,000 subscribers becomes about 900 rows per table, so PostgreSQL
 * parses and groups nothing and each bucket row is updated once (an upsert may not touch a row twice).
 */
export function trafficBuckets(
  rows: SessionRow[],
  traffic: Map<string, SessionTraffic>,
): { five: BucketDelta[]; hour: BucketDelta[] } {
  const five = new Map<string, BucketDelta>();
  const hour = new Map<string, BucketDelta>();
  for (const r of rows) {
    const d = traffic.get(r.acctUniqueId);
    if (!r.subscriberId || !d || (d.deltaIn === 0 && d.deltaOut === 0)) continue;
    const at = r.updateTime.getTime();
    add(five, at - (at % FIVE_MINUTES), r.subscriberId, r.nasId, d);
    add(hour, at - (at % HOUR), r.subscriberId, r.nasId, d);
  }
  return { five: [...five.values()], hour: [...hour.values()] };
}

function add(into: Map<string, BucketDelta>, bucket: number, sub: string, nas: string, d: SessionTraffic): void {
  const key = `${bucket}/${sub}/${nas}`;
  const row = into.get(key);
  if (row) {
    row[3] += d.deltaIn;
    row[4] += d.deltaOut;
  } else into.set(key, [new Date(bucket).toISOString(), sub, nas, d.deltaIn, d.deltaOut]);
}

/**
 * Upserts of the 5-minute and hourly buckets as data-modifying CTEs, to run in front of the
 * subscribers' usage update: one statement and one round trip per batch for all three tables.
 * Empty when there is nothing to add.
 */
export function trafficCtes(
  t: Pick<TenantTables, "traffic5m" | "traffic1h">,
  five: BucketDelta[],
  hour: BucketDelta[],
) {
  if (!five.length) return sql``;
  return sql`
    five as (
      insert into ${t.traffic5m} as x (bucket, subscriber_id, nas_id, bytes_in, bytes_out)
      select (e->>0)::timestamptz, (e->>1)::uuid, (e->>2)::uuid, (e->>3)::bigint, (e->>4)::bigint
      from jsonb_array_elements(${JSON.stringify(five)}::jsonb) as e
      on conflict (subscriber_id, bucket, nas_id) do update
        set bytes_in = x.bytes_in + excluded.bytes_in, bytes_out = x.bytes_out + excluded.bytes_out
    ), hour as (
      insert into ${t.traffic1h} as x (bucket, subscriber_id, nas_id, bytes_in, bytes_out)
      select (e->>0)::timestamptz, (e->>1)::uuid, (e->>2)::uuid, (e->>3)::bigint, (e->>4)::bigint
      from jsonb_array_elements(${JSON.stringify(hour)}::jsonb) as e
      on conflict (subscriber_id, bucket, nas_id) do update
        set bytes_in = x.bytes_in + excluded.bytes_in, bytes_out = x.bytes_out + excluded.bytes_out
    ),`;
}
