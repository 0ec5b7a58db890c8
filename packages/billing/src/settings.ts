import { eq } from "drizzle-orm";
import { z } from "zod";
import type { BillingScope } from "./db.ts";

export const BILLING_SETTINGS_KEY = "billing";

/**
 * The tenant's billing preferences, one stored JSON document (no migration per new key), read
 * leniently so an older or hand-edited value still works.
 */
export const billingSettingsSchema = z.object({
  /** Prepaid: the next period's invoice is issued this many days before expiry. */
  invoiceDaysBefore: z.number().int().min(0).max(60),
  /** Postpaid: days after issue until an invoice is due. */
  postpaidDueDays: z.number().int().min(0).max(90),
  /** Days an invoice may stay unpaid past its due date before the subscriber is suspended. */
  graceDays: z.number().int().min(0).max(365),
  /** Off: unpaid invoices never suspend anyone. */
  suspendOnNonPayment: z.boolean(),
  legal: z.object({
    address: z.string().max(1000),
    taxId: z.string().max(100),
    footer: z.string().max(2000),
  }),
});
export type BillingSettings = z.infer<typeof billingSettingsSchema>;

export const DEFAULT_BILLING_SETTINGS: BillingSettings = {
  invoiceDaysBefore: 3,
  postpaidDueDays: 7,
  graceDays: 7,
  suspendOnNonPayment: true,
  legal: { address: "", taxId: "", footer: "" },
};

export function parseBillingSettings(stored: unknown): BillingSettings {
  const parsed = billingSettingsSchema.partial().safeParse(stored);
  if (!parsed.success) return DEFAULT_BILLING_SETTINGS;
  const legal = billingSettingsSchema.shape.legal.partial().safeParse(parsed.data.legal ?? {});
  return {
    ...DEFAULT_BILLING_SETTINGS,
    ...parsed.data,
    legal: { ...DEFAULT_BILLING_SETTINGS.legal, ...(legal.success ? legal.data : {}) },
  };
}

export async function readBillingSettings({ db, t }: BillingScope): Promise<BillingSettings> {
  const sp = t.systemPreferences;
  const [row] = await db.select({ value: sp.value }).from(sp).where(eq(sp.key, BILLING_SETTINGS_KEY)).limit(1);
  return parseBillingSettings(row?.value);
}

export async function writeBillingSettings({ db, t }: BillingScope, value: BillingSettings): Promise<void> {
  const sp = t.systemPreferences;
  await db
    .insert(sp)
    .values({ key: BILLING_SETTINGS_KEY, value })
    .onConflictDoUpdate({ target: sp.key, set: { value, updatedAt: new Date() } });
}
