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

type Tx = { execute: (query: ReturnType<typeof sql>) => Promise<unknown> };

/**
 * Adds each session's deltas to the 5-minute and hourly buckets of its latest record, both tables
 * in one statement. Rows are summed per key in SQL first: an upsert may not touch one row twice.
 */
export async function upsertTraffic(
  tx: Tx,
  t: Pick<TenantTables, "traffic5m" | "traffic1h">,
  rows: SessionRow[],
  traffic: Map<string, SessionTraffic>,
): Promise<void> {
  const entries: Array<[string, string, string, string, number, number]> = [];
  for (const r of rows) {
    const d = traffic.get(r.acctUniqueId);
    if (!r.subscriberId || !d || (d.deltaIn === 0 && d.deltaOut === 0)) continue;
    const at = r.updateTime.getTime();
    entries.push([
      new Date(at - (at % FIVE_MINUTES)).toISOString(),
      new Date(at - (at % HOUR)).toISOString(),
      r.subscriberId,
      r.nasId,
      d.deltaIn,
      d.deltaOut,
    ]);
  }
  if (!entries.length) return;
  await tx.execute(sql`
    with d as (
      select (e->>0)::timestamptz as b5, (e->>1)::timestamptz as b1, (e->>2)::uuid as sub, (e->>3)::uuid as nas,
        (e->>4)::bigint as i, (e->>5)::bigint as o
      from jsonb_array_elements(${JSON.stringify(entries)}::jsonb) as e
    ), five as (
      insert into ${t.traffic5m} as x (bucket, subscriber_id, nas_id, bytes_in, bytes_out)
      select b5, sub, nas, sum(i), sum(o) from d group by b5, sub, nas
      on conflict (subscriber_id, bucket, nas_id) do update
        set bytes_in = x.bytes_in + excluded.bytes_in, bytes_out = x.bytes_out + excluded.bytes_out
    )
    insert into ${t.traffic1h} as x (bucket, subscriber_id, nas_id, bytes_in, bytes_out)
    select b1, sub, nas, sum(i), sum(o) from d group by b1, sub, nas
    on conflict (subscriber_id, bucket, nas_id) do update
      set bytes_in = x.bytes_in + excluded.bytes_in, bytes_out = x.bytes_out + excluded.bytes_out`);
}
