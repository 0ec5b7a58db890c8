import { hasPermission } from "@proxpanel/auth";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { forbidden } from "../../errors.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { fileResponse, jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { publishRadiusChange } from "../subscribers/index.ts";
import { batchCardsPdf, batchCsv } from "./documents.ts";
import { batchBodyOut, batchPage, disabledOut, settingsOut, voucherBodyOut, voucherPage } from "./responses.ts";
import { getVoucherSettings, updateVoucherSettings, voucherSettings } from "./settings.ts";
import {
  createBatch,
  deleteBatch,
  deleteVoucher,
  disableBatch,
  getBatch,
  listBatches,
  listVouchers,
  setVoucherDisabled,
  VOUCHER_STATES,
} from "./vouchers.ts";

const ALPHABET_RE = /^[A-Za-z0-9]{2,64}$/;
// MikroTik rate-limit syntax: "rx/tx" with optional k/M/G units and the burst fields after it.
const RATE_RE = /^\d+[kKMG]?\/\d+[kKMG]?( \d+[kKMG]?\/\d+[kKMG]?){0,2}( \d+\/\d+)?$/;

export const batchBody = z
  .object({
    name: z.string().trim().max(100).optional(),
    count: z.number().int().min(1).max(5000),
    planId: z.uuid().nullable().optional(),
    timeLimitS: z
      .number()
      .int()
      .min(60)
      .max(366 * 86400)
      .nullable()
      .optional(),
    dataLimitBytes: z.number().int().min(1_000_000).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    rateLimit: z.string().trim().regex(RATE_RE, "MikroTik rate-limit such as 2M/5M").nullable().optional(),
    validityS: z
      .number()
      .int()
      .min(60)
      .max(3660 * 86400)
      .nullable()
      .optional(),
    priceCents: z.number().int().min(0).max(1_000_000_000).optional(),
    codeLength: z.number().int().min(4).max(32).optional(),
    alphabet: z.string().regex(ALPHABET_RE, "2 to 64 letters and digits").optional(),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9-]{0,16}$/, "up to 16 letters, digits and dashes")
      .optional(),
    resellerId: z.uuid().nullable().optional(),
  })
  .strict();

const batchQuery = z.object({
  page: pageQuery.page,
  limit: pageQuery.limit,
  search: pageQuery.search,
  resellerId: z.uuid().optional(),
});
const voucherQuery = z.object({
  page: pageQuery.page,
  limit: pageQuery.limit,
  search: pageQuery.search,
  batchId: z.uuid().optional(),
  state: z.enum(VOUCHER_STATES).optional(),
});
const idParam = z.object({ id: z.uuid() });
const patchBody = z.object({ disabled: z.boolean() }).strict();

/**
 * Deleting vouchers: staff with vouchers.edit, or a reseller's login that may buy them
 * (vouchers.create), for its own vouchers only (checked in the service). Either may delete only vouchers
 * never used, disabled or not (a used one is 409), refunded to the reseller that paid for them.
 */
const mayDeleteVouchers = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  const reseller = auth.resellerId && hasPermission(auth.permissions, "vouchers.create");
  if (!reseller && !hasPermission(auth.permissions, "vouchers.edit"))
    throw forbidden("Missing permission vouchers.edit");
  await next();
});

/** /api/vouchers: hotspot voucher batches (prepaid cards), their codes, CSV and printable cards. */
export function voucherRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .use(publishRadiusChange(deps))
    .get(
      "/settings",
      jsonResponse(settingsOut, "The voucher settings"),
      requirePermission("vouchers.view"),
      async (c) => c.json({ settings: await getVoucherSettings({ ctx: serviceCtx(c) }) }),
    )
    .put(
      "/settings",
      jsonResponse(settingsOut, "The settings as saved"),
      requirePermission("vouchers.edit"),
      validate("json", voucherSettings.strict()),
      async (c) =>
        c.json({ settings: await updateVoucherSettings({ ctx: serviceCtx(c), input: c.req.valid("json") }) }),
    )
    .get(
      "/batches",
      jsonResponse(batchPage, "A page of voucher batches"),
      requirePermission("vouchers.view"),
      validate("query", batchQuery),
      async (c) => c.json(await listBatches({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .post(
      "/batches",
      jsonResponse(batchBodyOut, "The new batch", { status: 201 }),
      requirePermission("vouchers.create"),
      validate("json", batchBody),
      async (c) => c.json({ batch: await createBatch({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .get(
      "/batches/:id",
      jsonResponse(batchBodyOut, "The batch"),
      requirePermission("vouchers.view"),
      validate("param", idParam),
      async (c) => c.json({ batch: await getBatch({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    )
    .get(
      "/batches/:id/export.csv",
      fileResponse("text/csv", "The batch's vouchers as CSV (formula cells neutralised)"),
      requirePermission("vouchers.view"),
      validate("param", idParam),
      async (c) => {
        const { csv, filename } = await batchCsv({ ctx: serviceCtx(c), input: c.req.valid("param") });
        c.header("Content-Type", "text/csv; charset=utf-8");
        c.header("Content-Disposition", `attachment; filename="${filename}"`);
        c.header("Cache-Control", "private, no-store");
        return c.body(csv);
      },
    )
    .get(
      "/batches/:id/cards.pdf",
      fileResponse("application/pdf", "Printable cards (A4, 10 a page) of the batch's unused vouchers"),
      requirePermission("vouchers.view"),
      validate("param", idParam),
      async (c) => {
        const { bytes, filename } = await batchCardsPdf({
          ctx: serviceCtx(c),
          input: { ...c.req.valid("param"), root: deps.config.DATA_DIR },
        });
        return new Response(new Uint8Array(bytes), {
          headers: {
            "content-type": "application/pdf",
            "content-disposition": `attachment; filename="${filename}"`,
            "cache-control": "private, no-store",
          },
        });
      },
    )
    .post(
      "/batches/:id/disable",
      jsonResponse(disabledOut, "How many vouchers were disabled"),
      requirePermission("vouchers.edit"),
      validate("param", idParam),
      async (c) => c.json(await disableBatch({ ctx: serviceCtx(c), input: c.req.valid("param") })),
    )
    .delete(
      "/batches/:id",
      noContent(
        "Deleted with its vouchers (refused once one was used). A reseller's login with vouchers.create may delete its own batches; the price of the unused vouchers goes back to the buying reseller's balance",
      ),
      mayDeleteVouchers,
      validate("param", idParam),
      async (c) => {
        await deleteBatch({ ctx: serviceCtx(c), input: c.req.valid("param") });
        return c.body(null, 204);
      },
    )
    .get(
      "/",
      jsonResponse(voucherPage, "A page of vouchers"),
      requirePermission("vouchers.view"),
      validate("query", voucherQuery),
      async (c) => c.json(await listVouchers({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .patch(
      "/:id",
      jsonResponse(voucherBodyOut, "The voucher as changed"),
      requirePermission("vouchers.edit"),
      validate("param", idParam),
      validate("json", patchBody),
      async (c) =>
        c.json({
          voucher: await setVoucherDisabled({
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, disabled: c.req.valid("json").disabled },
          }),
        }),
    )
    .delete(
      "/:id",
      noContent(
        "Deleted: only a voucher never used, disabled or not (a used one is 409 for everyone); its price goes back to the buying reseller's balance. A reseller's login with vouchers.create may delete its own",
      ),
      mayDeleteVouchers,
      validate("param", idParam),
      async (c) => {
        await deleteVoucher({ ctx: serviceCtx(c), input: c.req.valid("param") });
        return c.body(null, 204);
      },
    );
}
