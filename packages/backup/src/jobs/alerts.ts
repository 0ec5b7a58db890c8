import { type ALERT_KINDS, alerts, type Executor } from "@proxpanel/db";
import { and, eq, isNull } from "drizzle-orm";

export type AlertKind = (typeof ALERT_KINDS)[number];

/** One open alert per tenant and kind: a condition that keeps happening does not flood the list. */
export async function raiseAlert(db: Executor, tenantId: string | null, kind: AlertKind, message: string) {
  const open = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(
      and(
        tenantId ? eq(alerts.tenantId, tenantId) : isNull(alerts.tenantId),
        eq(alerts.kind, kind),
        isNull(alerts.resolvedAt),
      ),
    )
    .limit(1);
  if (open[0]) return open[0].id;
  const [row] = await db.insert(alerts).values({ tenantId, kind, message }).returning({ id: alerts.id });
  return row?.id;
}
