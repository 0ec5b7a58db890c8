import { readBillingSettings } from "@proxpanel/billing";
import { and, eq } from "drizzle-orm";
import { notFound } from "../../errors.ts";
import { getInvoice } from "../../services/billing.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { getCurrency } from "../portal/preferences.ts";
import { getSettings, readBrandingAsset } from "../settings/settings.ts";
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
  const [subscriber] = invoice.subscriberId
    ? await ctx.db
        .select({
          username: t.subscribers.username,
          fullName: t.subscribers.fullName,
          address: t.subscribers.address,
          email: t.subscribers.email,
        })
        .from(t.subscribers)
        .where(eq(t.subscribers.id, invoice.subscriberId))
        .limit(1)
    : [];
  const [settings, billing, currency, logo] = await Promise.all([
    getSettings({ ctx }),
    readBillingSettings({ db: ctx.db, t }),
    getCurrency(ctx),
    readBrandingAsset({ ctx, input: { kind: "logo", root: input.root } }),
  ]);
  const bytes = await invoicePdf({
    invoice,
    subscriber: subscriber ?? null,
    company: { name: settings.companyName, ...billing.legal },
    // PDFKit embeds PNG and JPEG only.
    logo: logo && (logo.ext === "png" || logo.ext === "jpg") ? logo.bytes : null,
    currency,
    timezone: settings.timezone,
  });
  const kind = invoice.status === "paid" ? "receipt" : "invoice";
  return { bytes, filename: `${kind}-${invoice.number}.pdf` };
}
