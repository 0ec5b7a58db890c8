import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";
import { voucherSettings } from "./settings.ts";
import { VOUCHER_STATES } from "./vouchers.ts";

const count = z.number().int();

/**
 * A batch as stored, with its plan's and reseller's names, how many of its vouchers are in each state,
 * and how many were ever used (`used`: first login set, whatever the state now, so a used voucher
 * disabled afterwards counts; the batch can be deleted only while it is 0).
 */
export const batchView = rowSchema(docTables.voucherBatches).extend({
  planName: z.string().nullable(),
  resellerName: z.string().nullable(),
  unused: count,
  active: count,
  usedUp: count,
  expired: count,
  disabled: count,
  used: count,
});
export const batchPage = pageOf(batchView);
export const batchBodyOut = z.object({ batch: batchView });

const v = rowSchema(docTables.vouchers);
const b = rowSchema(docTables.voucherBatches);
/** A voucher in a list: its state now ("expired" is an active one past its expiry) and its batch's limits and price. */
export const voucherItem = v
  .pick({
    id: true,
    batchId: true,
    code: true,
    firstUsedAt: true,
    expiresAt: true,
    usedSeconds: true,
    usedBytes: true,
    lastUsedAt: true,
    resellerId: true,
    createdAt: true,
  })
  .extend({
    state: z.enum(VOUCHER_STATES),
    timeLimitS: b.shape.timeLimitS,
    dataLimitBytes: b.shape.dataLimitBytes,
    validityS: b.shape.validityS,
    priceCents: b.shape.priceCents,
  });
export const voucherPage = pageOf(voucherItem);
export const voucherBodyOut = z.object({ voucher: v });
export const disabledOut = z.object({ disabled: count });
export const settingsOut = z.object({ settings: voucherSettings });
