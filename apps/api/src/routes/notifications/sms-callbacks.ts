import { publicOrigin, recordTwilioStatus } from "@proxpanel/notify";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { noContent } from "../../openapi.ts";
import { validate } from "../../validate.ts";

const params = z.object({ outboxId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
// Twilio posts form fields; names and values are bounded so a junk post costs little.
const form = z.record(z.string().max(100), z.string().max(2000));

/**
 * Provider callbacks on the tenant's host. No login: Twilio proves itself with X-Twilio-Signature,
 * checked with the tenant's own AuthToken, so another tenant's token (or none) changes nothing here.
 */
export function smsCallbackRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().post(
    "/twilio/:outboxId",
    noContent("Delivery status recorded", { security: [] }),
    validate("param", params),
    async (c) => {
      const tenant = c.get("tenant");
      if (!tenant) throw new AppError(404, ErrorCode.notFound, "Not found");
      const parsed = form.safeParse(Object.fromEntries(new URLSearchParams(await c.req.text())));
      if (!parsed.success) throw new AppError(400, ErrorCode.validation, "Malformed callback body");
      // Twilio signs the URL it posted to: rebuilt from the public scheme and the client's host (a
      // proxy in front terminates TLS, so the request's own scheme would be wrong).
      const url = new URL(c.req.url);
      const outcome = await recordTwilioStatus(tenant.db, tenant.t, await deps.keys.forTenant(tenant.id), {
        outboxId: c.req.valid("param").outboxId,
        url: `${publicOrigin(deps.config, c.get("host"))}${url.pathname}${url.search}`,
        params: parsed.data,
        signature: c.req.header("x-twilio-signature"),
      });
      if (outcome === "bad_signature") {
        throw new AppError(403, ErrorCode.webhookSignatureInvalid, "The callback's signature does not verify.");
      }
      if (outcome === "not_found") throw new AppError(404, ErrorCode.notFound, "No such message");
      return c.body(null, 204);
    },
  );
}
