import { PaymentPayloadError, PaymentProviderError, PaymentSignatureError, PROVIDER_NAMES } from "@proxpanel/payments";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { tenantPublicUrl } from "../../services/public-url.ts";
import { validate } from "../../validate.ts";
import { portalPayments } from "../portal/portal.ts";
import { portalCtx, requirePortalAuth } from "../portal/portal-auth.ts";
import { publishRadiusChange } from "../subscribers/index.ts";
import { getPayment, paymentByCallback, settlePayment, startPayment } from "./online-payments.ts";
import {
  deleteProviderSettings,
  listProviderSettings,
  loadProvider,
  type ProviderDeps,
  saveProviderSettings,
} from "./provider-settings.ts";
import * as out from "./responses.ts";

const providerName = z.enum(PROVIDER_NAMES);
const startBody = z
  .object({
    provider: providerName,
    purpose: z.enum(["invoice", "renewal"]),
    invoiceId: z.string().uuid().optional(),
    phone: z.string().trim().max(20).optional(),
    returnUrl: z.string().url().max(2000),
  })
  .strict();
const saveBody = z.object({ enabled: z.boolean().default(true), config: z.record(z.string(), z.unknown()) }).strict();

function providerDeps(deps: AppDeps, key: Buffer): ProviderDeps {
  return { key, allowLoopback: deps.config.PAYMENTS_ALLOW_LOOPBACK };
}

/** The subscriber's side: start a payment, follow it, list them (/api/portal/payments). */
export function portalPaymentRoutes(deps: AppDeps) {
  const pdeps = async (tenantId: string) => providerDeps(deps, await deps.keys.forTenant(tenantId));
  return new Hono<AppEnv>()
    .use(requirePortalAuth(deps))
    .use(publishRadiusChange(deps))
    .get("/", jsonResponse(out.paymentList, "The subscriber's last 50 online payments"), async (c) =>
      c.json(await portalPayments({ ctx: portalCtx(c), input: { limit: 50 } })),
    )
    .post(
      "/",
      jsonResponse(out.paymentStarted, "The payment, started", { status: 201 }),
      validate("json", startBody),
      async (c) => {
        const ctx = portalCtx(c);
        const input = c.req.valid("json");
        // The browser comes back here after a card payment: this host only, never somewhere else.
        if (new URL(input.returnUrl).host !== c.get("host")) {
          throw new AppError(400, ErrorCode.validation, "returnUrl: must be an address of this site");
        }
        const publicUrl = await tenantPublicUrl(deps, ctx.tenant);
        return c.json(await startPayment(await pdeps(ctx.tenant.id), { ctx, input: { ...input, publicUrl } }), 201);
      },
    )
    .get(
      "/:id",
      jsonResponse(z.object({ payment: out.paymentRow }), "The payment, its state asked of the provider while pending"),
      validate("param", z.object({ id: z.string().uuid() })),
      async (c) => {
        const ctx = portalCtx(c);
        return c.json({ payment: await getPayment(await pdeps(ctx.tenant.id), { ctx, input: c.req.valid("param") }) });
      },
    );
}

/** The operator's side: the tenant's own provider accounts (/api/settings/payment-providers). */
export function paymentSettingsRoutes(deps: AppDeps) {
  const param = validate("param", z.object({ provider: providerName }));
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/", jsonResponse(out.providerList, "The provider accounts"), requirePermission("settings.view"), async (c) =>
      c.json(await listProviderSettings({ ctx: serviceCtx(c) })),
    )
    .put(
      "/:provider",
      jsonResponse(out.providerSaved, "The account, saved"),
      requirePermission("settings.edit"),
      param,
      validate("json", saveBody),
      async (c) => {
        const ctx = serviceCtx(c);
        const body = c.req.valid("json");
        const saved = await saveProviderSettings(providerDeps(deps, await deps.keys.forTenant(ctx.tenant.id)), {
          ctx,
          input: { provider: c.req.valid("param").provider, enabled: body.enabled, config: body.config },
        });
        return c.json({ provider: saved });
      },
    )
    .delete("/:provider", noContent("Removed"), requirePermission("settings.edit"), param, async (c) => {
      await deleteProviderSettings({ ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    });
}

function headersOf(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/**
 * Where providers call us, on the tenant's host, without a session: Stripe's signed webhook, and
 * M-Pesa's callback at the unguessable address made for one payment (and confirmed with Daraja).
 */
export function paymentWebhookRoutes(deps: AppDeps) {
  const pdeps = async (tenantId: string) => providerDeps(deps, await deps.keys.forTenant(tenantId));
  return new Hono<AppEnv>()
    .use(publishRadiusChange(deps))
    .post(
      "/stripe/webhook",
      jsonResponse(out.stripeReceived, "Stripe's event, verified and applied", { security: [] }),
      async (c) => {
        const ctx = serviceCtx(c);
        const provider = await loadProvider(await pdeps(ctx.tenant.id), ctx, "stripe", { requireEnabled: false });
        if (!provider) throw notFound("No Stripe account is set up here");
        const rawBody = await c.req.text();
        const outcome = await provider
          .parseCallback({ headers: headersOf(c.req.raw.headers), rawBody })
          .catch(callbackError);
        if (outcome.kind === "ignored") return c.json({ received: true, result: "ignored" });
        const { result } = await settlePayment(ctx, "stripe", outcome);
        return c.json({ received: true, result });
      },
    )
    .post(
      "/mpesa/callback/:id/:token",
      jsonResponse(out.mpesaAccepted, "Daraja's callback, verified and applied", { security: [] }),
      validate("param", z.object({ id: z.string().uuid(), token: z.string().min(20).max(64) })),
      async (c) => {
        const ctx = serviceCtx(c);
        const { id, token } = c.req.valid("param");
        const payment = await paymentByCallback(ctx, id, token);
        if (!payment) throw notFound();
        const provider = await loadProvider(await pdeps(ctx.tenant.id), ctx, "mpesa", { requireEnabled: false });
        if (!provider) throw notFound();
        const outcome = await provider
          .parseCallback({
            headers: headersOf(c.req.raw.headers),
            rawBody: await c.req.text(),
            expected: { amountCents: payment.amountCents, currency: payment.currency },
          })
          .catch(callbackError);
        if (outcome.kind !== "ignored") {
          if (outcome.providerRef !== payment.providerRef) {
            throw new AppError(400, ErrorCode.webhookSignatureInvalid, "This callback is for another payment.");
          }
          await settlePayment(ctx, "mpesa", outcome);
        }
        // Daraja's documented acknowledgement.
        return c.json({ ResultCode: 0, ResultDesc: "Accepted" });
      },
    );
}

function callbackError(err: unknown): never {
  if (err instanceof PaymentSignatureError) {
    throw new AppError(400, ErrorCode.webhookSignatureInvalid, err.message);
  }
  if (err instanceof PaymentPayloadError) throw new AppError(400, ErrorCode.validation, err.message);
  // The provider could not be asked to confirm: it retries the callback, and the payment stays pending.
  if (err instanceof PaymentProviderError) throw new AppError(503, ErrorCode.unavailable, err.message);
  throw err;
}
