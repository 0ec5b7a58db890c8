import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { jsonResponse } from "../../openapi.ts";
import { validate } from "../../validate.ts";
import { applyBillingEvent } from "./billing-events.ts";
import { type BillingProvider, BillingSignatureError } from "./billing-events-provider.ts";
import { STRIPE_SIGNATURE_HEADER, StripeProvider } from "./billing-events-stripe.ts";

// Optional here: a missing signature is the provider check's "webhook_signature_invalid", as documented.
const headers = z.object({ [STRIPE_SIGNATURE_HEADER]: z.string().max(4096).optional() });

/**
 * Billing provider → plan changes, on the apex only. The body is read raw because the signature
 * covers the exact bytes; it is parsed (and schema-checked) only after the signature verified.
 */
const received = z.discriminatedUnion("status", [
  z.object({
    received: z.literal(true),
    eventId: z.string(),
    status: z.literal("applied"),
    tenantId: z.uuid(),
    effect: z.enum(["plan", "lapse", "paid", "ignore"]),
  }),
  z.object({ received: z.literal(true), eventId: z.string(), status: z.enum(["duplicate", "ignored"]) }),
]);

export function billingWebhookRoutes(deps: AppDeps) {
  const secret = deps.config.BILLING_WEBHOOK_SECRET;
  const provider: BillingProvider | null = secret
    ? new StripeProvider(secret, deps.config.BILLING_WEBHOOK_TOLERANCE_S)
    : null;
  return new Hono<AppEnv>().post(
    "/billing",
    jsonResponse(received, "The event, verified and applied (a redelivery: duplicate)", { security: [] }),
    validate("header", headers),
    async (c) => {
      if (!provider) throw new AppError(503, ErrorCode.unavailable, "Billing webhooks are not configured.");
      const raw = await c.req.text();
      try {
        provider.verify(raw, c.req.raw.headers, new Date());
      } catch (err) {
        if (!(err instanceof BillingSignatureError)) throw err;
        if (err.reason === "stale") throw new AppError(400, ErrorCode.webhookTimestampStale, err.message);
        throw new AppError(400, ErrorCode.webhookSignatureInvalid, err.message);
      }
      let event: ReturnType<BillingProvider["parse"]>;
      try {
        event = provider.parse(raw);
      } catch (err) {
        const message = err instanceof z.ZodError ? z.prettifyError(err) : "The body is not JSON.";
        throw new AppError(400, ErrorCode.validation, `Invalid event: ${message}`);
      }
      const outcome = await applyBillingEvent(
        { db: deps.db, resolver: deps.resolver, gracePeriodS: deps.config.BILLING_GRACE_PERIOD_S },
        {
          provider: provider.name,
          event,
          actor: { superAdminId: null, label: `billing:${provider.name}`, requestId: c.get("requestId") },
        },
      );
      // A duplicate is answered 200 like the first delivery so the provider stops retrying.
      return c.json({ received: true, eventId: event.id, ...outcome });
    },
  );
}
