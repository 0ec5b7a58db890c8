import { readBillingSettings } from "@proxpanel/billing";
import { and, eq } from "drizzle-orm";
import { notFound } from "../../errors.ts";
import { getInvoice } from "../../services/billing.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { getCurrency } from "../portal/preferences.ts";
import { getSettings, readBrandingAsset } from "../settings/settings.ts";
import { creditNotePdf } from "./credit-note-pdf.ts";
import { invoicePdf } from "./invoice-pdf.ts";

/**
 * The PDF of one invoice. `subscriberId` (the portal) limits it to that subscriber's own invoices;
 * anything else is simply not found, like an invoice of another tenant. Operators go through
 * getInvoice, which applies a reseller login's scope.
 */
export async function invoicePdfFile({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string; root: string; subscriberId?: string | undefined };
}): Promise<{ bytes: Buffer; filename: string }> {
  const { t } = ctx.tenant;
  const invoice = input.subscriberId
    ? (
        await ctx.db
          .select()
          .from(t.invoices)
          .where(and(eq(t.invoices.id, input.id), eq(t.invoices.subscriberId, input.subscriberId)))
          .limit(1)
      )[0]
    : await getInvoice({ ctx, input: { id: input.id } });
  if (!invoice) throw notFound("Invoice not found");
  const bytes = await invoicePdf({ invoice, ...(await letterheadFacts(ctx, invoice.subscriberId, input.root)) });
  const kind = invoice.status === "paid" ? "receipt" : "invoice";
  return { bytes, filename: `${kind}-${invoice.number}.pdf` };
}

/** What every document prints besides itself: the subscriber, the tenant's legal details, currency and zone. */
async function letterheadFacts(ctx: ServiceCtx, subscriberId: string | null, root: string) {
  const { t } = ctx.tenant;
  const [subscriber] = subscriberId
    ? await ctx.db
        .select({
          username: t.subscribers.username,
          fullName: t.subscribers.fullName,
          address: t.subscribers.address,
          email: t.subscribers.email,
        })
        .from(t.subscribers)
        .where(eq(t.subscribers.id, subscriberId))
        .limit(1)
    : [];
  const [settings, billing, currency, logo] = await Promise.all([
    getSettings({ ctx }),
    readBillingSettings({ db: ctx.db, t }),
    getCurrency(ctx),
    readBrandingAsset({ ctx, input: { kind: "logo", root } }),
  ]);
  return {
    subscriber: subscriber ?? null,
    company: { name: settings.companyName, ...billing.legal },
    // PDFKit embeds PNG and JPEG only.
    logo: logo && (logo.ext === "png" || logo.ext === "jpg") ? logo.bytes : null,
    currency,
    timezone: settings.timezone,
  };
}

/** A credit note of an invoice the caller may see (a reseller login: its own), as PDF. */
export async function creditNotePdfFile({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string; noteId: string; root: string };
}): Promise<{ bytes: Buffer; filename: string }> {
  const invoice = await getInvoice({ ctx, input: { id: input.id } });
  const c = ctx.tenant.t.creditNotes;
  const [note] = await ctx.db
    .select()
    .from(c)
    .where(and(eq(c.id, input.noteId), eq(c.invoiceId, invoice.id)))
    .limit(1);
  if (!note) throw notFound("Credit note not found");
  const bytes = await creditNotePdf({
    note,
    invoice,
    ...(await letterheadFacts(ctx, invoice.subscriberId, input.root)),
  });
  return { bytes, filename: `credit-note-${note.number}.pdf` };
}
