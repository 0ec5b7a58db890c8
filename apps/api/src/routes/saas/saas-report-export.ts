import PDFDocument from "pdfkit";
import { toCsv } from "../../csv.ts";
import { REPORT_COLUMNS, type TenantUsageRow, type UsageReport } from "./saas-reports.ts";

/** One header row, one row per tenant, then a TOTAL row; raw numbers (cents, bytes) so sheets can sum them. */
export function reportCsv(report: UsageReport): string {
  const totalRow: Record<string, string | number> = { slug: "TOTAL", companyName: "", plan: "", status: "" };
  for (const k of REPORT_COLUMNS.slice(4)) totalRow[k] = report.totals[k as keyof UsageReport["totals"]];
  return toCsv([...report.rows, totalRow], REPORT_COLUMNS);
}

const money = (cents: number) => (cents / 100).toFixed(2);

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

type Cell = (r: Pick<TenantUsageRow, (typeof REPORT_COLUMNS)[number]>) => string;

// Landscape A4 is 842 pt wide: these widths fill it inside 36 pt margins.
const PDF_COLUMNS: { title: string; width: number; cell: Cell; align?: "right" }[] = [
  { title: "Tenant", width: 150, cell: (r) => `${r.companyName}\n${r.slug}` },
  { title: "Plan / status", width: 70, cell: (r) => `${r.plan}\n${r.status}` },
  {
    title: "Subscribers (active / all)",
    width: 80,
    cell: (r) => `${r.activeSubscribers} / ${r.subscribers}`,
    align: "right",
  },
  { title: "New", width: 40, cell: (r) => String(r.newSubscribers), align: "right" },
  {
    title: "Invoices issued",
    width: 70,
    cell: (r) => `${r.invoicesIssued}\n${money(r.invoicesIssuedCents)}`,
    align: "right",
  },
  {
    title: "Invoices paid",
    width: 70,
    cell: (r) => `${r.invoicesPaid}\n${money(r.invoicesPaidCents)}`,
    align: "right",
  },
  { title: "Revenue", width: 70, cell: (r) => money(r.revenueCents), align: "right" },
  { title: "Sessions", width: 50, cell: (r) => String(r.sessions), align: "right" },
  { title: "Traffic in / out", width: 90, cell: (r) => `${bytes(r.bytesIn)}\n${bytes(r.bytesOut)}`, align: "right" },
  { title: "Backups", width: 70, cell: (r) => `${r.backupsStored}\n${bytes(r.backupBytes)}`, align: "right" },
];

/** The same report as a printable table; rows continue on new pages with the header repeated. */
export function reportPdf(report: UsageReport, title = "ProxPanel billing and usage report"): Promise<Buffer> {
  const doc = new PDFDocument({ size: "A4", layout: "landscape", margin: 36, info: { Title: title } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const left = doc.page.margins.left;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const drawRow = (cells: string[], bold: boolean) => {
    doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(8);
    const height =
      Math.max(...cells.map((text, i) => doc.heightOfString(text, { width: (PDF_COLUMNS[i]?.width ?? 60) - 6 }))) + 6;
    if (doc.y + height > bottom()) {
      doc.addPage();
      if (!bold)
        drawRow(
          PDF_COLUMNS.map((c) => c.title),
          true,
        );
      doc.font("Helvetica").fontSize(8);
    }
    const top = doc.y;
    let x = left;
    cells.forEach((text, i) => {
      const col = PDF_COLUMNS[i];
      if (!col) return;
      doc.text(text, x + 3, top + 3, { width: col.width - 6, align: col.align ?? "left" });
      x += col.width;
    });
    doc
      .moveTo(left, top + height)
      .lineTo(x, top + height)
      .lineWidth(0.5)
      .strokeColor("#999999")
      .stroke();
    doc.x = left;
    doc.y = top + height;
  };

  doc.font("Helvetica-Bold").fontSize(16).text(title);
  doc
    .font("Helvetica")
    .fontSize(10)
    .text(`Period: ${report.from} to ${report.to} (end exclusive)   Generated: ${report.generatedAt}`)
    .moveDown();
  drawRow(
    PDF_COLUMNS.map((c) => c.title),
    true,
  );
  for (const r of report.rows)
    drawRow(
      PDF_COLUMNS.map((c) => c.cell(r)),
      false,
    );
  const totals = {
    ...report.totals,
    slug: `${report.totals.tenants} tenants`,
    companyName: "All tenants",
    plan: "",
    status: "",
  };
  drawRow(
    PDF_COLUMNS.map((c) => c.cell(totals)),
    true,
  );
  doc
    .moveDown()
    .font("Helvetica")
    .fontSize(8)
    .text(
      "Amounts in the tenants' currency units. Revenue = money received (subscriber payments and reseller top-ups). Sessions and traffic are counted by session start.",
      left,
    );
  doc.end();
  return done;
}
