import {
  BILLING_SETTINGS_KEY,
  type BillingSettings,
  readBillingSettings,
  writeBillingSettings,
} from "@proxpanel/billing";
import { eq } from "drizzle-orm";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

const scope = (ctx: ServiceCtx) => ({ db: ctx.db, t: ctx.tenant.t });

export const getBillingSettings = ({ ctx }: { ctx: ServiceCtx }) => readBillingSettings(scope(ctx));

export type BillingSettingsPatch = Partial<Omit<BillingSettings, "legal" | "suspension">> & {
  legal?: Partial<BillingSettings["legal"]> | undefined;
  suspension?: Partial<BillingSettings["suspension"]> | undefined;
};

export async function updateBillingSettings({ ctx, input }: { ctx: ServiceCtx; input: BillingSettingsPatch }) {
  return inTransaction(ctx, async (tx) => {
    // The row lock serialises two concurrent edits of the one JSON document.
    const sp = tx.tenant.t.systemPreferences;
    await tx.db.select().from(sp).where(eq(sp.key, BILLING_SETTINGS_KEY)).for("update");
    const before = await readBillingSettings(scope(tx));
    const { legal, suspension, ...rest } = input;
    const after: BillingSettings = {
      ...before,
      ...rest,
      suspension: { ...before.suspension, ...(suspension ?? {}) },
      legal: { ...before.legal, ...(legal ?? {}) },
    };
    await writeBillingSettings(scope(tx), after);
    await writeAudit(tx, {
      action: "settings.billing",
      entityType: "settings",
      entityId: "billing",
      details: { before, after },
    });
    return after;
  });
}
