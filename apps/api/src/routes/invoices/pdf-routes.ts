import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { portalCtx, requirePortalAuth } from "../portal/portal-auth.ts";
import { creditNotePdfFile, invoicePdfFile } from "./invoice-document.ts";

const idParam = z.object({ id: z.uuid() });
const pdfDoc = describeRoute({
  summary: "The invoice (a receipt once paid) as PDF",
  responses: {
    200: { description: "The PDF", content: { "application/pdf": { schema: { type: "string", format: "binary" } } } },
  },
});
const noteParam = z.object({ id: z.uuid(), noteId: z.uuid() });
const notePdfDoc = describeRoute({
  summary: "A credit note of the invoice as PDF",
  responses: {
    200: { description: "The PDF", content: { "application/pdf": { schema: { type: "string", format: "binary" } } } },
  },
});
const send = (file: { bytes: Buffer; filename: string }) =>
  new Response(new Uint8Array(file.bytes), {
    headers: {
      "content-type": "application/pdf",
      "content-disposition": `attachment; filename="${file.filename}"`,
      "cache-control": "private, no-store",
    },
  });

/**
 * GET /api/invoices/:id/pdf and /api/invoices/:id/credit-notes/:noteId/pdf for staff with
 * billing.view (a reseller's login: its own only).
 */
export function invoicePdfRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/:id/pdf", requirePermission("billing.view"), pdfDoc, validate("param", idParam), async (c) =>
      send(
        await invoicePdfFile({ ctx: serviceCtx(c), input: { ...c.req.valid("param"), root: deps.config.DATA_DIR } }),
      ),
    )
    .get(
      "/:id/credit-notes/:noteId/pdf",
      requirePermission("billing.view"),
      notePdfDoc,
      validate("param", noteParam),
      async (c) =>
        send(
          await creditNotePdfFile({
            ctx: serviceCtx(c),
            input: { ...c.req.valid("param"), root: deps.config.DATA_DIR },
          }),
        ),
    );
}

/** GET /api/portal/invoices/:id/pdf: a subscriber's own invoice, 404 for any other. */
export function portalInvoicePdfRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requirePortalAuth(deps))
    .get("/:id/pdf", pdfDoc, validate("param", idParam), async (c) => {
      const ctx = portalCtx(c);
      return send(
        await invoicePdfFile({
          ctx,
          input: { ...c.req.valid("param"), root: deps.config.DATA_DIR, subscriberId: ctx.subscriberId },
        }),
      );
    });
}
