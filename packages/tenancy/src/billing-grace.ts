import { billingSubscriptions, type Db, tenants } from "@proxpanel/db";
import { and, eq, lte } from "drizzle-orm";
import { type Actor, recordSuperAdminAudit } from "./actor.ts";
import { setTenantStatus } from "./admin.ts";
import type { TenantResolver } from "./resolver.ts";

export interface GraceDeps {
  db: Db;
  resolver: TenantResolver;
}

const GRACE_ACTOR: Actor = { superAdminId: null, label: "billing:grace" };

/**
 * Suspends tenants whose lapsed subscription is past its grace period. Each tenant in its own
 * transaction with the row locked (SKIP LOCKED: two workers never take the same one), so a payment
 * arriving at the same moment either lands first and clears the lapse, or waits and lifts the
 * suspension.
 */
export async function suspendLapsedPastGrace(deps: GraceDeps, now = new Date()): Promise<string[]> {
  const suspended: string[] = [];
  for (;;) {
    const id = await deps.db.transaction(async (tx) => {
      const row = (
        await tx
          .select()
          .from(billingSubscriptions)
          .where(and(eq(billingSubscriptions.state, "lapsed"), lte(billingSubscriptions.graceUntil, now)))
          .limit(1)
          .for("update", { skipLocked: true })
      )[0];
      if (!row) return null;
      const tenant = (await tx.select({ status: tenants.status }).from(tenants).where(eq(tenants.id, row.tenantId)))[0];
      // A tenant already suspended, deleted or moved by an operator is left as it is.
      if (tenant?.status === "active") {
        // The admin function's own transaction becomes a savepoint of this one.
        await setTenantStatus(
          { db: tx, resolver: deps.resolver },
          { id: row.tenantId, status: "suspended" },
          GRACE_ACTOR,
        );
      }
      await tx
        .update(billingSubscriptions)
        .set({ state: "suspended", graceUntil: null, updatedAt: new Date() })
        .where(eq(billingSubscriptions.tenantId, row.tenantId));
      await recordSuperAdminAudit(tx, GRACE_ACTOR, "billing.grace_expired", row.tenantId, {
        lapsedAt: row.lapsedAt?.toISOString() ?? null,
        graceUntil: row.graceUntil?.toISOString() ?? null,
        suspended: tenant?.status === "active",
      });
      return row.tenantId;
    });
    if (!id) return suspended;
    await deps.resolver.invalidate({ tenantId: id });
    suspended.push(id);
  }
}
