import { asc, eq, ne } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export interface TaxRateInput {
  name: string;
  basisPoints: number;
  inclusive: boolean;
  isDefault: boolean;
}

const uniqueName = conflictOn("A tax rate with this name already exists.");

export async function listTaxRates({ ctx }: { ctx: ServiceCtx }) {
  const r = ctx.tenant.t.taxRates;
  return ctx.db.select().from(r).orderBy(asc(r.name));
}

/** At most one default: making a rate the default takes the flag off the others first. */
async function clearOtherDefaults(ctx: ServiceCtx, keepId: string | null) {
  const r = ctx.tenant.t.taxRates;
  await ctx.db
    .update(r)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(keepId ? ne(r.id, keepId) : undefined);
}

export async function createTaxRate({ ctx, input }: { ctx: ServiceCtx; input: TaxRateInput }) {
  return inTransaction(ctx, async (tx) => {
    if (input.isDefault) await clearOtherDefaults(tx, null);
    const [rate] = await tx.db.insert(tx.tenant.t.taxRates).values(input).returning().catch(uniqueName);
    if (!rate) throw new Error("insert returned nothing");
    await writeAudit(tx, {
      action: "tax_rate.create",
      entityType: "tax_rate",
      entityId: rate.id,
      details: { after: rate },
    });
    return rate;
  });
}

async function lockRate(ctx: ServiceCtx, id: string) {
  const r = ctx.tenant.t.taxRates;
  const [row] = await ctx.db.select().from(r).where(eq(r.id, id)).for("update").limit(1);
  if (!row) throw notFound("Tax rate not found");
  return row;
}

export async function updateTaxRate({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: Partial<TaxRateInput> & { id: string };
}) {
  const r = ctx.tenant.t.taxRates;
  return inTransaction(ctx, async (tx) => {
    const before = await lockRate(tx, input.id);
    if (input.isDefault) await clearOtherDefaults(tx, input.id);
    const { id, ...patch } = input;
    const [after] = await tx.db
      .update(r)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(r.id, id))
      .returning()
      .catch(uniqueName);
    await writeAudit(tx, {
      action: "tax_rate.update",
      entityType: "tax_rate",
      entityId: id,
      details: { before, after },
    });
    return after ?? before;
  });
}

/** Issued invoices keep their own copy of the rate, so deleting one rewrites nothing. */
export async function deleteTaxRate({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const r = ctx.tenant.t.taxRates;
  return inTransaction(ctx, async (tx) => {
    const before = await lockRate(tx, input.id);
    await tx.db.delete(r).where(eq(r.id, input.id));
    await writeAudit(tx, {
      action: "tax_rate.delete",
      entityType: "tax_rate",
      entityId: input.id,
      details: { before },
    });
  });
}
