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
  /**
   * Suspended for non-payment: refused at RADIUS ("reject"), or admitted into a walled garden at
   * a low rate with a MikroTik address list and/or Filter-Id that the NAS's firewall limits to
   * the portal and payment pages, so the subscriber can pay. The RADIUS daemon reads this key.
   */
  suspension: z.object({
    mode: z.enum(["reject", "walled_garden"]),
    /** MikroTik rx/tx syntax: "256k/256k", "1M/512k". */
    rateLimit: z.string().regex(/^\d{1,6}[kM]?\/\d{1,6}[kM]?$/, "like 256k/256k"),
    /** Mikrotik-Address-List the NAS puts the subscriber's address in; empty: not sent. */
    addressList: z.string().regex(/^[A-Za-z0-9_.-]{0,63}$/, "letters, digits, _ . - (at most 63)"),
    /** Filter-Id (RFC 2865) naming a filter on the NAS; empty: not sent. */
    filterId: z.string().regex(/^[A-Za-z0-9_.-]{0,63}$/, "letters, digits, _ . - (at most 63)"),
  }),
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
  suspension: { mode: "reject", rateLimit: "256k/256k", addressList: "proxpanel-walled-garden", filterId: "" },
  legal: { address: "", taxId: "", footer: "" },
};

export function parseBillingSettings(stored: unknown): BillingSettings {
  const parsed = billingSettingsSchema.partial().safeParse(stored);
  if (!parsed.success) return DEFAULT_BILLING_SETTINGS;
  const legal = billingSettingsSchema.shape.legal.partial().safeParse(parsed.data.legal ?? {});
  const suspension = billingSettingsSchema.shape.suspension.partial().safeParse(parsed.data.suspension ?? {});
  return {
    ...DEFAULT_BILLING_SETTINGS,
    ...parsed.data,
    suspension: { ...DEFAULT_BILLING_SETTINGS.suspension, ...(suspension.success ? suspension.data : {}) },
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
