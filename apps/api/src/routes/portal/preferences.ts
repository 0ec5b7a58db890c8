import { eq } from "drizzle-orm";
import { z } from "zod";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

/**
 * What the tenant lets its subscribers do in the self-care portal. Stored as one preference so a
 * new switch needs no migration; read leniently so an older stored value still works.
 */
export const portalSettings = z.object({
  enabled: z.boolean(),
  allowPayments: z.boolean(),
  allowRenew: z.boolean(),
  allowPlanChange: z.boolean(),
  allowProfileEdit: z.boolean(),
  allowPasswordChange: z.boolean(),
  /** "on": after a correct password, a 6-digit code is sent by SMS and must be entered too. */
  phoneOtp: z.enum(["off", "on"]),
});
export type PortalSettings = z.infer<typeof portalSettings>;

export const DEFAULT_PORTAL: PortalSettings = {
  enabled: true,
  allowPayments: true,
  allowRenew: true,
  // Changing plan moves money and speed at once: the tenant opts in.
  allowPlanChange: false,
  allowProfileEdit: true,
  allowPasswordChange: true,
  phoneOtp: "off",
};

/** ISO 4217 code of the tenant's money; every amount in its schema is in this currency. */
export const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD, EUR or KES");
export const DEFAULT_CURRENCY = "USD";

async function readKey(ctx: ServiceCtx, key: string): Promise<unknown> {
  const sp = ctx.tenant.t.systemPreferences;
  const [row] = await ctx.db.select({ value: sp.value }).from(sp).where(eq(sp.key, key)).limit(1);
  return row?.value;
}

export async function getPortalSettings(ctx: ServiceCtx): Promise<PortalSettings> {
  const stored = portalSettings.partial().safeParse(await readKey(ctx, "portal"));
  return { ...DEFAULT_PORTAL, ...(stored.success ? stored.data : {}) };
}

export async function getCurrency(ctx: ServiceCtx): Promise<string> {
  const stored = currencyCode.safeParse(await readKey(ctx, "currency"));
  return stored.success ? stored.data : DEFAULT_CURRENCY;
}

async function writeKey(ctx: ServiceCtx, key: string, value: unknown) {
  const sp = ctx.tenant.t.systemPreferences;
  await ctx.db
    .insert(sp)
    .values({ key, value })
    .onConflictDoUpdate({ target: sp.key, set: { value, updatedAt: new Date() } });
}

export async function updatePortalSettings({ ctx, input }: { ctx: ServiceCtx; input: Partial<PortalSettings> }) {
  return inTransaction(ctx, async (tx) => {
    const before = await getPortalSettings(tx);
    const after = { ...before, ...input };
    await writeKey(tx, "portal", after);
    await writeAudit(tx, {
      action: "settings.portal",
      entityType: "settings",
      entityId: "portal",
      details: { before, after },
    });
    return after;
  });
}

export async function updateCurrency({ ctx, input }: { ctx: ServiceCtx; input: { currency: string } }) {
  return inTransaction(ctx, async (tx) => {
    const before = await getCurrency(tx);
    await writeKey(tx, "currency", input.currency);
    await writeAudit(tx, {
      action: "settings.currency",
      entityType: "settings",
      entityId: "currency",
      details: { before, after: input.currency },
    });
    return input.currency;
  });
}
