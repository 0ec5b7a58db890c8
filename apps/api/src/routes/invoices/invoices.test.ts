import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { extractText, getDocumentProxy } from "unpdf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { portalFixture, portalSignIn } from "../portal/portal-test-support.ts";
import { raw, upload } from "../settings/test-support.ts";

// A 1×1 PNG: the logo must be embedded without breaking the document.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

let stack: Stack;
let dataDir: string;
let a: TestTenant;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "proxpanel-invoice-pdf-"));
  stack = await startStack({ DATA_DIR: dataDir });
  a = await signupTenant(stack);
});
afterAll(async () => {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
});

const op = (method: string, p: string, body?: unknown) =>
  stack.request(method, p, { host: a.host, token: a.token, body });

async function pdfText(bytes: Uint8Array) {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text;
}

describe("invoice PDF", () => {
  it("carries the tenant's name, legal details, lines, tax, totals, currency and tenant-time dates; a receipt once paid", async () => {
    expect((await upload(stack, "/api/settings/branding/logo", PNG, { host: a.host, token: a.token })).status).toBe(
      201,
    );
    await op("PATCH", "/api/settings/branding", { companyName: "Kilima Networks" });
    await op("PATCH", "/api/settings/timezone", { timezone: "Africa/Nairobi" });
    await op("PUT", "/api/settings/currency", { currency: "KES" });
    await op("PATCH", "/api/billing/settings", {
      legal: { address: "Moi Avenue 12, Nairobi", taxId: "P051234567X", footer: "Thank you for your business" },
    });
    await op("POST", "/api/billing/tax-rates", { name: "VAT", basisPoints: 1600, isDefault: true });
    const f = await portalFixture(stack, a, "wanjiru");
    const inv = await op("POST", "/api/invoices", {
      subscriberId: f.subscriberId,
      description: "Installation",
      // 22:30 UTC on 31 May is 1 June in Nairobi.
      dueAt: "2027-05-31T22:30:00Z",
      lines: [
        { description: "Router", quantity: 1, unitCents: 350_000 },
        { description: "Cable (m)", quantity: 20, unitCents: 5_000 },
      ],
    });
    expect(inv.status).toBe(201);
    const res = await raw(stack, "GET", `/api/invoices/${inv.body.invoice.id}/pdf`, null, {
      host: a.host,
      authorization: `Bearer ${a.token}`,
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="invoice-${inv.body.invoice.number}.pdf"`);
    const text = await pdfText(res.bytes);
    for (const s of [
      "Kilima Networks",
      "Moi Avenue 12, Nairobi",
      "Tax ID: P051234567X",
      "INVOICE",
      `Number: ${inv.body.invoice.number}`,
      "Due: 2027-06-01",
      "wanjiru",
      "Router",
      "Cable (m)",
      "VAT 16 % (added)",
      "KES 4,500.00",
      "720.00",
      "5,220.00",
      "Total (KES)",
      "Thank you for your business",
    ]) {
      expect(text).toContain(s);
    }

    expect((await op("POST", `/api/invoices/${inv.body.invoice.id}/payments`, {})).status).toBe(201);
    const receipt = await raw(stack, "GET", `/api/invoices/${inv.body.invoice.id}/pdf`, null, {
      host: a.host,
      authorization: `Bearer ${a.token}`,
    });
    expect(receipt.headers["content-disposition"]).toContain("receipt-");
    const rText = await pdfText(receipt.bytes);
    expect(rText).toContain("RECEIPT");
    expect(rText).toContain("Balance due");

    // The subscriber gets the same document through the portal.
    const token = await portalSignIn(stack, a, f.username, f.password);
    const own = await raw(stack, "GET", `/api/portal/invoices/${inv.body.invoice.id}/pdf`, null, {
      host: a.host,
      authorization: `Bearer ${token}`,
    });
    expect(own.status).toBe(200);
    expect(await pdfText(own.bytes)).toContain("Kilima Networks");
  });
});
