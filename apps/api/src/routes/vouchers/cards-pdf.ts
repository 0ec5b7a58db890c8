import PDFDocument from "pdfkit";
import QRCode from "qrcode";

export interface CardsInput {
  company: string;
  /** PNG or JPEG bytes (what PDFKit can embed); other formats are left out. */
  logo: Uint8Array | null;
  primaryColor: string;
  accentColor: string;
  batchName: string;
  /** What each card says it gives: "2 h · 1 GB · valid 7 days from first use". */
  terms: string;
  price: string;
  codes: string[];
  /** The QR content of one card. */
  qr: (code: string) => string;
}

const COLS = 2;
const ROWS = 5;

/**
 * Printable A4 sheets of 10 cards (2 x 5), cut along the borders: the tenant's name and logo in
 * its colours, the code large in a monospace face (no 0/O confusion on paper), its terms and price,
 * and a QR code. QR codes are drawn as vector squares from the `qrcode` library's module matrix,
 * so they stay sharp at any printer resolution and need no image decoding.
 */
export function voucherCardsPdf(p: CardsInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    margin: 28,
    info: { Title: `Vouchers ${p.batchName}`, Author: p.company },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  const m = doc.page.margins.left;
  const w = (doc.page.width - 2 * m) / COLS;
  const h = (doc.page.height - 2 * m) / ROWS;
  let logo: Buffer | null = p.logo ? Buffer.from(p.logo) : null;
  p.codes.forEach((code, i) => {
    const slot = i % (COLS * ROWS);
    if (i > 0 && slot === 0) doc.addPage();
    const x = m + (slot % COLS) * w;
    const y = m + Math.floor(slot / COLS) * h;
    logo = card(doc, p, code, x, y, w, h, logo);
  });
  if (!p.codes.length) doc.fontSize(12).text("This batch has no vouchers.");
  doc.end();
  return done;
}

/** Returns the logo, or null once PDFKit failed to read it (so later cards do not try again). */
function card(
  doc: PDFKit.PDFDocument,
  p: CardsInput,
  code: string,
  x: number,
  y: number,
  w: number,
  h: number,
  logo: Buffer | null,
): Buffer | null {
  const pad = 10;
  doc.save();
  doc.lineWidth(1).dash(3, { space: 3 }).strokeColor("#999999").rect(x, y, w, h).stroke().undash();
  doc.rect(x + 1, y + 1, w - 2, 26).fill(p.primaryColor);
  doc.restore();
  let textLeft = x + pad;
  if (logo) {
    try {
      doc.image(logo, x + pad, y + 4, { fit: [40, 20] });
      textLeft += 46;
    } catch {
      logo = null;
    }
  }
  doc
    .fillColor("#ffffff")
    .font("Helvetica-Bold")
    .fontSize(11)
    .text(p.company, textLeft, y + 8, {
      width: w - (textLeft - x) - pad,
      height: 14,
      ellipsis: true,
      lineBreak: false,
    });
  const qrSize = h - 26 - 2 * pad;
  const qrX = x + w - pad - qrSize;
  drawQr(doc, p.qr(code), qrX, y + 26 + pad, qrSize);
  const textW = qrX - x - 2 * pad;
  doc
    .fillColor("#555555")
    .font("Helvetica")
    .fontSize(8)
    .text("Voucher code", x + pad, y + 36, { width: textW });
  doc
    .fillColor("#000000")
    .font("Courier-Bold")
    .fontSize(code.length > 14 ? 12 : 16)
    .text(code, x + pad, y + 48, { width: textW, lineBreak: false });
  doc
    .fillColor("#000000")
    .font("Helvetica")
    .fontSize(8)
    .text(p.terms, x + pad, y + 72, { width: textW });
  doc
    .fillColor(p.accentColor)
    .font("Helvetica-Bold")
    .fontSize(14)
    .text(p.price, x + pad, y + h - pad - 16, { width: textW, lineBreak: false });
  if (p.batchName) {
    doc
      .fillColor("#777777")
      .font("Helvetica")
      .fontSize(7)
      .text(p.batchName, x + pad, y + h - pad - 26, { width: textW, lineBreak: false, ellipsis: true });
  }
  doc.fillColor("#000000");
  return logo;
}

function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number) {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const n = qr.modules.size;
  // Four modules of quiet zone around the symbol, as scanners expect.
  const unit = size / (n + 8);
  doc.save().fillColor("#000000");
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.modules.get(r, c)) doc.rect(x + (c + 4) * unit, y + (r + 4) * unit, unit, unit);
    }
  }
  doc.fill().restore();
}
