import type { Db } from "@proxpanel/db";
import type { TenantTables } from "@proxpanel/db/tenant/factory";
import type { WalledGarden } from "@proxpanel/radius";
import { eq } from "drizzle-orm";

const RATE = /^\d{1,6}[kM]?\/\d{1,6}[kM]?$/;
const NAME = /^[A-Za-z0-9_.-]{0,63}$/;

/**
 * The tenant's choice for accounts suspended for non-payment, from the billing settings document
 * (`suspension` in @proxpanel/billing's settings, validated by the API when written). Read here
 * leniently rather than through @proxpanel/billing so the daemon does not load the billing code;
 * anything unexpected means "reject", today's behaviour.
 */
export async function readWalledGarden(db: Db, t: TenantTables): Promise<WalledGarden | null> {
  const sp = t.systemPreferences;
  const [row] = await db.select({ value: sp.value }).from(sp).where(eq(sp.key, "billing")).limit(1);
  return parseWalledGarden(row?.value);
}

export function parseWalledGarden(billing: unknown): WalledGarden | null {
  if (!billing || typeof billing !== "object") return null;
  const s = (billing as { suspension?: unknown }).suspension;
  if (!s || typeof s !== "object") return null;
  const { mode, rateLimit, addressList = "proxpanel-walled-garden", filterId = "" } = s as Record<string, unknown>;
  if (mode !== "walled_garden" || typeof rateLimit !== "string" || !RATE.test(rateLimit)) return null;
  if (typeof addressList !== "string" || !NAME.test(addressList)) return null;
  if (typeof filterId !== "string" || !NAME.test(filterId)) return null;
  return { rateLimit, addressList, filterId };
}
