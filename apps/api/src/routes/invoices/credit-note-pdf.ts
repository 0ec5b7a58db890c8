import type { CreditNote } from "@proxpanel/db";
import { day, type InvoicePdfInput, letterhead, money } from "./invoice-pdf.ts";

/**
 * A credit note as A4 PDF on the tenant's letterhead: its number, the invoice it credits, the
 * reason and the amount in the tenant's currency, dated in the tenant's timezone.
 */
export function creditNotePdf(
  p: Omit<InvoicePdfInput, "invoice"> & {
    note: CreditNote;
    invoice: { number: number; amountCents: number; creditedCents: number };
  },
): Promise<Buffer> {
  const { note, invoice, currency, timezone } = p;
  const { doc, done, left, width } = letterhead(`Credit note ${note.number}`, p);
  doc.moveDown(2).font("Helvetica-Bold").fontSize(20).text("CREDIT NOTE", left);
  doc.font("Helvetica").fontSize(10);
  for (const [k, v] of [
    ["Number", String(note.number)],
    ["Issued", day(note.createdAt, timezone)],
    ["Credits invoice", String(invoice.number)],
  ]) {
    doc.text(`${k}: ${v}`);
  }
  if (p.subscriber) {
    doc.moveDown().font("Helvetica-Bold").text("Credited to");
    doc.font("Helvetica").text(p.subscriber.fullName || p.subscriber.username);
    doc.text(`Account: ${p.subscriber.username}`);
    if (p.subscriber.address) doc.text(p.subscriber.address);
  }
  doc.moveDown(1.5).font("Helvetica-Bold").text("Reason");
  doc.font("Helvetica").text(note.reason, { width });
  doc.moveDown(1.5);
  for (const [k, v, bold] of [
    [`Invoice ${invoice.number} total`, money(invoice.amountCents, currency), false],
    [`Credited (${currency})`, money(note.amountCents, currency), true],
  ] as const) {
    const y = doc.y;
    doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(10);
    doc.text(k, left + width - 330, y, { width: 220, align: "right" });
    doc.text(v, left + width - 100, y, { width: 100, align: "right" });
    doc.x = left;
  }
  if (p.company.footer) {
    doc.moveDown(3).font("Helvetica").fontSize(8).text(p.company.footer, left, doc.y, { width, align: "center" });
  }
  doc.end();
  return done;
}
