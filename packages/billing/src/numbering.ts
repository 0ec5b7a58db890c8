import { sql } from "drizzle-orm";
import type { BillingScope } from "./db.ts";

export type DocumentKind = "invoice" | "credit_note";

/**
 * The next number of a document kind, 1..N per tenant without gaps. The upsert takes the
 * counter row's lock until the caller's transaction ends: a concurrent issuer waits for it, and a
 * rollback returns the number with everything else, so no number is skipped or repeated (a
 * sequence would leave a gap on every rollback). Call it as late as possible in the transaction,
 * since every issuer of the tenant queues on that row until commit.
 */
export async function nextDocumentNumber({ db, t }: BillingScope, kind: DocumentKind): Promise<number> {
  const c = t.documentCounters;
  const [row] = await db
    .insert(c)
    .values({ kind, lastNumber: 1 })
    .onConflictDoUpdate({ target: c.kind, set: { lastNumber: sql`${c.lastNumber} + 1` } })
    .returning({ n: c.lastNumber });
  if (!row) throw new Error("document counter returned nothing");
  return row.n;
}
