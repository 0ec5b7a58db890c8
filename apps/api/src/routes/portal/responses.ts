import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";
import { invoiceRow } from "../invoices/responses.ts";
import { sessionRow } from "../sessions/responses.ts";
import { proration, subscriberRow } from "../subscribers/responses.ts";

/** The subscriber as the portal shows it to them: not the operator's notes or reseller. */
export const portalSelf = subscriberRow.omit({ notes: true, resellerId: true });
const plan = rowSchema(docTables.servicePlans).pick({
  id: true,
  name: true,
  downloadKbps: true,
  uploadKbps: true,
  quotaBytes: true,
  quotaPeriod: true,
  validityDays: true,
  priceCents: true,
});
/** The operator's switches for what subscribers may do in the portal. */
export const portalSettings = z.object({
  enabled: z.boolean(),
  allowPayments: z.boolean(),
  allowRenew: z.boolean(),
  allowPlanChange: z.boolean(),
  allowProfileEdit: z.boolean(),
  allowPasswordChange: z.boolean(),
  phoneOtp: z.enum(["off", "on"]),
});
const currency = z.string().length(3);
/** The portal's home: who, which plan, until when, how much used and owed, and what may be done. */
export const overview = z.object({
  subscriber: portalSelf.omit({ macLockOnFirstLogin: true }),
  plan: plan.nullable(),
  usage: z.object({
    usedBytes: z.number(),
    quotaBytes: z.number().nullable(),
    since: z.iso.datetime().nullable(),
  }),
  openInvoices: z.object({ count: z.number().int(), amountCents: z.number() }),
  currency,
  timezone: z.string(),
  settings: portalSettings,
  paymentProviders: z.array(rowSchema(docTables.paymentProviders).shape.provider),
});
const session = sessionRow.pick({
  id: true,
  startTime: true,
  stopTime: true,
  sessionTime: true,
  inputOctets: true,
  outputOctets: true,
  framedIpAddress: true,
  callingStationId: true,
  terminateCause: true,
});
/** Open sessions, then the 20 most recent closed ones. */
export const sessions = z.object({ open: z.array(session), recent: z.array(session) });
export const invoices = pageOf(invoiceRow.extend({ subscriberUsername: z.string().nullable() })).extend({ currency });
export const plans = z.object({ items: z.array(plan), allowPlanChange: z.boolean(), currency });
export const profile = z.object({ subscriber: portalSelf });
/** A new token: the password change signed every other session out. */
export const token = z.object({ token: z.string() });
export const renewed = z.object({ subscriber: portalSelf, invoice: invoiceRow });
export const planChanged = z.object({ subscriber: portalSelf, proration });
const signedIn = z.object({ token: z.string(), subscriber: z.object({ id: z.uuid(), username: z.string() }) });
/** Signed in, or (the tenant's phoneOtp on) a code was sent and must be given to /auth/otp. */
export const login = z.union([
  signedIn,
  z.object({
    otpRequired: z.literal(true),
    challengeId: z.string(),
    phoneHint: z.string(),
    expiresIn: z.number().int(),
  }),
]);
export const otpSignedIn = signedIn;
export const settingsBody = z.object({ portal: portalSettings });
export const currencyBody = z.object({ currency });
