import { eq } from "drizzle-orm";
import { z } from "zod";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

/**
 * system_preferences key. The RADIUS daemon reads the same key (apps/radius/src/db/vouchers.ts):
 * "code" = the code is also the password; "empty" = the password is empty (MikroTik's
 * voucher-only login sends none).
 */
export const VOUCHER_SETTINGS_KEY = "hotspot_vouchers";
export const voucherSettings = z.object({
  passwordMode: z.enum(["code", "empty"]),
  /**
   * The hotspot's own login address as the router serves it (e.g. http://wifi.example/login):
   * when set, each printed card's QR code opens it with the code filled in; otherwise the QR code
   * holds the bare code.
   */
  loginUrl: z
    .string()
    .trim()
    .max(200)
    .regex(/^https?:\/\/[^\s"'<>]+$/, "an http:// or https:// address")
    .nullable(),
});
export type VoucherSettings = z.infer<typeof voucherSettings>;
const DEFAULTS: VoucherSettings = { passwordMode: "code", loginUrl: null };

export async function getVoucherSettings({ ctx }: { ctx: ServiceCtx }): Promise<VoucherSettings> {
  const sp = ctx.tenant.t.systemPreferences;
  const [row] = await ctx.db.select().from(sp).where(eq(sp.key, VOUCHER_SETTINGS_KEY)).limit(1);
  const parsed = voucherSettings.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULTS;
}

export async function updateVoucherSettings({ ctx, input }: { ctx: ServiceCtx; input: VoucherSettings }) {
  return inTransaction(ctx, async (tx) => {
    const before = await getVoucherSettings({ ctx: tx });
    const sp = tx.tenant.t.systemPreferences;
    await tx.db
      .insert(sp)
      .values({ key: VOUCHER_SETTINGS_KEY, value: input })
      .onConflictDoUpdate({ target: sp.key, set: { value: input, updatedAt: new Date() } });
    await writeAudit(tx, {
      action: "vouchers.settings",
      entityType: "settings",
      entityId: VOUCHER_SETTINGS_KEY,
      details: { before, after: input },
    });
    return input;
  });
}
