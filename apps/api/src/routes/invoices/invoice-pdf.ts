import type { Invoice, InvoiceLine } from "@proxpanel/db";
import PDFDocument from "pdfkit";

export interface InvoicePdfInput {
  invoice: Invoice;
  subscriber: { username: string; fullName: string; address: string | null; email: string | null } | null;
  company: { name: string; address: string; taxId: string; footer: string };
  /** PNG or JPEG bytes (what PDFKit can embed); other formats are left out. */
  logo: Uint8Array | null;
  currency: string;
  timezone: string;
}

export const day = (d: Date | null, timeZone: string) =>
  d ? new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(d) : "—";

export function money(cents: number, currency: string) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

/** An A4 document with the tenant's logo, name and legal details at the top, and its bytes when ended. */
export function letterhead(title: string, p: Pick<InvoicePdfInput, "company" | "logo">) {
  const doc = new PDFDocument({ size: "A4", margin: 48, info: { Title: title, Author: p.company.name } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  if (p.logo) {
    try {
      doc.image(Buffer.from(p.logo), left, 40, { fit: [140, 60] });
    } catch {
      // An image PDFKit cannot read must not cost the subscriber the document.
    }
  }
  doc.font("Helvetica-Bold").fontSize(16).text(p.company.name, left, 48, { width, align: "right" });
  doc.font("Helvetica").fontSize(9);
  if (p.company.address) doc.text(p.company.address, { width, align: "right" });
  if (p.company.taxId) doc.text(`Tax ID: ${p.company.taxId}`, { width, align: "right" });
  return { doc, done, left, width };
}

/**
 * One invoice as A4 PDF: the tenant's name, logo and legal details, the subscriber, the lines,
 * the tax as it was applied, totals and payments. A paid invoice prints as a receipt. Dates are
 * calendar days in the tenant's timezone.
 */
export function invoicePdf(p: InvoicePdfInput): Promise<Buffer> {
  const { invoice: inv, currency, timezone } = p;
  const receipt = inv.status === "paid";
  const title = `${receipt ? "Receipt" : "Invoice"} ${inv.number}`;
  const { doc, done, left, width } = letterhead(title, p);

  doc
    .moveDown(2)
    .font("Helvetica-Bold")
    .fontSize(20)
    .text(receipt ? "RECEIPT" : "INVOICE", left);
  doc.font("Helvetica").fontSize(10);
  const facts: [string, string][] = [
    ["Number", String(inv.number)],
    ["Issued", day(inv.createdAt, timezone)],
    ["Due", day(inv.dueAt, timezone)],
  ];
  if (inv.periodStart && inv.periodEnd) {
    facts.push(["Period", `${day(inv.periodStart, timezone)} to ${day(inv.periodEnd, timezone)}`]);
  }
  if (receipt) facts.push(["Paid", day(inv.paidAt, timezone)]);
  if (inv.status === "void") facts.push(["Status", "VOID"]);
  for (const [k, v] of facts) doc.text(`${k}: ${v}`);

  if (p.subscriber) {
    doc.moveDown().font("Helvetica-Bold").text("Bill to");
    doc.font("Helvetica").text(p.subscriber.fullName || p.subscriber.username);
    doc.text(`Account: ${p.subscriber.username}`);
    if (p.subscriber.address) doc.text(p.subscriber.address);
    if (p.subscriber.email) doc.text(p.subscriber.email);
  }

  doc.moveDown(1.5);
  const cols = [
    { label: "Description", w: width - 250, align: "left" as const },
    { label: "Qty", w: 50, align: "right" as const },
    { label: "Unit", w: 100, align: "right" as const },
    { label: "Amount", w: 100, align: "right" as const },
  ];
  const row = (cells: string[], bold = false) => {
    doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(10);
    const y = doc.y;
    let x = left;
    const heights = cells.map((c, i) => doc.heightOfString(c, { width: (cols[i]?.w ?? 80) - 6 }));
    cells.forEach((c, i) => {
      const col = cols[i];
      if (col) doc.text(c, x, y, { width: col.w - 6, align: col.align });
      x += col?.w ?? 0;
    });
    doc.x = left;
    doc.y = y + Math.max(...heights) + 4;
  };
  row(
    cols.map((c) => c.label),
    true,
  );
  doc
    .moveTo(left, doc.y)
    .lineTo(left + width, doc.y)
    .stroke();
  doc.y += 4;
  for (const l of inv.lines as InvoiceLine[]) {
    row([l.description, String(l.quantity), money(l.unitCents, currency), money(l.amountCents, currency)]);
  }
  doc.moveDown();

  const totals: [string, string][] = [["Subtotal", money(inv.subtotalCents, currency)]];
  if (inv.taxName && inv.taxBasisPoints !== null) {
    const how = inv.taxInclusive ? "included" : "added";
    totals.push([`${inv.taxName} ${inv.taxBasisPoints / 100} % (${how})`, money(inv.taxCents, currency)]);
  }
  totals.push([`Total (${currency})`, money(inv.amountCents, currency)]);
  if (inv.amountPaidCents > 0) totals.push(["Paid", money(inv.amountPaidCents, currency)]);
  if (inv.creditedCents > 0) totals.push(["Credited", money(inv.creditedCents, currency)]);
  const due = inv.status === "void" ? 0 : Math.max(0, inv.amountCents - inv.amountPaidCents - inv.creditedCents);
  totals.push(["Balance due", money(due, currency)]);
  for (const [k, v] of totals) {
    const y = doc.y;
    const bold = k.startsWith("Total") || k === "Balance due";
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
