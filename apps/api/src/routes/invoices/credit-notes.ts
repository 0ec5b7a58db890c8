import { nextDocumentNumber } from "@proxpanel/billing";
import { and, asc, eq } from "drizzle-orm";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { changeSubscriberBalance, getInvoice } from "../../services/billing.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

/**
 * A credit note is a negative document against one invoice, numbered 1..N in its own gapless
 * sequence. It first reduces what the invoice still owes; whatever exceeds that (money already
 * paid) goes to the subscriber's balance as credit (`credit_note` transaction). An invoice left
 * owing nothing is settled ("paid"). At most the invoice's total can be credited, over all notes.
 */
export async function createCreditNote({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { invoiceId: string; amountCents: number; reason: string };
}) {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    await getInvoice({ ctx: tx, input: { id: input.invoiceId } }); // 404 outside a reseller's scope
    const [before] = await tx.db.select().from(t.invoices).where(eq(t.invoices.id, input.invoiceId)).for("update");
    if (!before) throw notFound("Invoice not found");
    if (before.status === "void") throw new AppError(409, ErrorCode.conflict, "This invoice is void.");
    if (!before.subscriberId) throw new AppError(409, ErrorCode.conflict, "This invoice has no subscriber to credit.");
    const creditable = before.amountCents - before.creditedCents;
    if (input.amountCents > creditable) {
      throw new AppError(400, ErrorCode.validation, `amountCents: at most ${creditable} can still be credited`, [
        { path: "amountCents", message: `at most ${creditable}` },
      ]);
    }
    const owed = Math.max(0, before.amountCents - before.amountPaidCents - before.creditedCents);
    const toBalance = input.amountCents - Math.min(owed, input.amountCents);
    const number = await nextDocumentNumber({ db: tx.db, t }, "credit_note");
    const [note] = await tx.db
      .insert(t.creditNotes)
      .values({
        number,
        invoiceId: before.id,
        subscriberId: before.subscriberId,
        amountCents: input.amountCents,
        reason: input.reason,
        actorUserId: tx.actor.userId,
      })
      .returning();
    if (!note) throw new Error("insert returned nothing");
    const settled = before.amountPaidCents + before.creditedCents + input.amountCents >= before.amountCents;
    const [after] = await tx.db
      .update(t.invoices)
      .set({
        creditedCents: before.creditedCents + input.amountCents,
        ...(settled && before.status === "unpaid" ? { status: "paid" as const, paidAt: new Date() } : {}),
        updatedAt: new Date(),
      })
      .where(eq(t.invoices.id, before.id))
      .returning();
    const transaction =
      toBalance > 0
        ? await changeSubscriberBalance({
            ctx: tx,
            input: {
              subscriberId: before.subscriberId,
              amountCents: toBalance,
              type: "credit_note",
              invoiceId: before.id,
              description: `Credit note #${number} on invoice #${before.number}`,
            },
          })
        : null;
    await writeAudit(tx, {
      action: "credit_note.create",
      entityType: "invoice",
      entityId: before.id,
      details: { creditNote: note, before, after, toBalanceCents: toBalance, transactionId: transaction?.id ?? null },
    });
    return { creditNote: note, invoice: after ?? before, transaction };
  });
}

export async function listCreditNotes({ ctx, input }: { ctx: ServiceCtx; input: { invoiceId: string } }) {
  await getInvoice({ ctx, input: { id: input.invoiceId } });
  const c = ctx.tenant.t.creditNotes;
  return ctx.db
    .select()
    .from(c)
    .where(and(eq(c.invoiceId, input.invoiceId)))
    .orderBy(asc(c.number));
}
