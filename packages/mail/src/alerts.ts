import { alertMails, alerts, type Db, tenants } from "@proxpanel/db";
import { and, eq, isNull } from "drizzle-orm";
import { enqueueMail } from "./outbox.ts";

const TITLES: Record<string, string> = {
  over_quota: "tenant over its backup quota",
  failing_runs: "scheduled backups failing",
  staging_full: "backup staging disk nearly full",
  upload_failing: "backup uploads failing",
  nas_silent: "a tenant's NAS went silent",
  nas_accounting_gap: "a tenant's NAS stopped sending accounting",
};

/**
 * Mails every open alert not mailed yet to the operator address. The `alert_mails` row is the
 * cursor and is written with the outbox row in one transaction, so each alert is mailed once even
 * with several workers (SKIP LOCKED on the alert).
 */
export async function mailNewAlerts(deps: { db: Db }, to: string): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const rows = await tx
      .select({ alert: alerts, slug: tenants.slug })
      .from(alerts)
      .leftJoin(alertMails, eq(alertMails.alertId, alerts.id))
      .leftJoin(tenants, eq(tenants.id, alerts.tenantId))
      .where(and(isNull(alertMails.alertId), isNull(alerts.resolvedAt)))
      .orderBy(alerts.createdAt)
      .limit(100)
      .for("update", { of: alerts, skipLocked: true });
    for (const { alert, slug } of rows) {
      const title = TITLES[alert.kind] ?? alert.kind;
      const where = slug ? ` (tenant ${slug})` : "";
      const mailId = await enqueueMail(tx, {
        kind: "operator_alert",
        to,
        tenantId: alert.tenantId,
        subject: `[ProxPanel] Alert: ${title}${where}`,
        body: [
          `Alert: ${title}${where}`,
          `Kind: ${alert.kind}`,
          `Raised: ${alert.createdAt.toISOString()}`,
          "",
          alert.message,
          "",
          alert.kind.startsWith("nas_")
            ? "The alert resolves itself when the NAS is heard from again."
            : "See the console (backups) for details; the alert stays open until resolved.",
        ].join("\n"),
      });
      await tx.insert(alertMails).values({ alertId: alert.id, mailId });
    }
    return rows.length;
  });
}
