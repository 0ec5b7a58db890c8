import { eq } from "drizzle-orm";
import { z } from "zod";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

/**
 * How the panel writes dates and times for this tenant (always on the tenant's timezone): the
 * order of day, month and year, and a 24- or 12-hour clock.
 */
export const dateFormat = z
  .object({
    order: z.enum(["ymd", "dmy", "mdy"]),
    clock: z.enum(["24h", "12h"]),
  })
  .strict();
export type DateFormat = z.infer<typeof dateFormat>;
export const DEFAULT_DATE_FORMAT: DateFormat = { order: "ymd", clock: "24h" };

const KEY = "date_format";

export async function getDateFormat(ctx: ServiceCtx): Promise<DateFormat> {
  const sp = ctx.tenant.t.systemPreferences;
  const [row] = await ctx.db.select({ value: sp.value }).from(sp).where(eq(sp.key, KEY)).limit(1);
  const stored = dateFormat.safeParse(row?.value);
  return stored.success ? stored.data : DEFAULT_DATE_FORMAT;
}

export async function updateDateFormat({ ctx, input }: { ctx: ServiceCtx; input: DateFormat }) {
  const sp = ctx.tenant.t.systemPreferences;
  return inTransaction(ctx, async (tx) => {
    const before = await getDateFormat(tx);
    await tx.db
      .insert(sp)
      .values({ key: KEY, value: input })
      .onConflictDoUpdate({ target: sp.key, set: { value: input, updatedAt: new Date() } });
    await writeAudit(tx, {
      action: "settings.date_format",
      entityType: "settings",
      entityId: KEY,
      details: { before, after: input },
    });
    return input;
  });
}
