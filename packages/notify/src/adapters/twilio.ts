import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { type DeliveryAdapter, DeliveryError, type OutboundMessage } from "../delivery.ts";
import { exchange, isPermanentStatus } from "./http-response.ts";

export const TWILIO_API_BASE = "https://api.twilio.com";

/** The tenant's own Twilio account; the sender (a number or alphanumeric id) is the settings' sender. */
export const twilioConfig = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "An Account SID: AC followed by 32 hex digits"),
    authToken: z.string().min(16).max(200),
    // When set, Twilio picks the sender from this service and the sender field is ignored.
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, "A Messaging Service SID: MG followed by 32 hex digits")
      .or(z.literal(""))
      .default(""),
  })
  .strict();
export type TwilioConfig = z.output<typeof twilioConfig>;

export interface TwilioAdapterOptions {
  sender: string;
  /** https://api.twilio.com, or a regional edge (api.dublin.ie1.twilio.com); a local fake in tests. */
  apiBase?: string;
  /** Where Twilio posts the message's status changes; none = no callback is asked for. */
  statusCallback?: (outboxId: number) => string | null;
}

/** Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json. */
export function twilioAdapter(config: TwilioConfig, opts: TwilioAdapterOptions): DeliveryAdapter {
  const base = (opts.apiBase ?? TWILIO_API_BASE).replace(/\/+$/, "");
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString("base64")}`;
  return {
    channel: "sms",
    async send(msg: OutboundMessage) {
      const form = new URLSearchParams({ To: msg.to, Body: msg.body });
      if (config.messagingServiceSid) form.set("MessagingServiceSid", config.messagingServiceSid);
      else form.set("From", opts.sender);
      const callback = opts.statusCallback?.(msg.outboxId);
      if (callback) form.set("StatusCallback", callback);
      const res = await exchange(url, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      });
      const json = parseJson(res.text);
      if (res.status < 200 || res.status >= 300) {
        // Twilio's error body: { code, message, more_info, status }.
        const code = typeof json.code === "number" || typeof json.code === "string" ? ` ${json.code}` : "";
        const message = typeof json.message === "string" ? json.message : res.text.slice(0, 300);
        throw new DeliveryError(`Twilio error${code} (HTTP ${res.status}): ${message}`, isPermanentStatus(res.status));
      }
      if (typeof json.sid !== "string") throw new DeliveryError("Twilio answered without a message sid", false);
      return { providerMessageId: json.sid, providerStatus: typeof json.status === "string" ? json.status : null };
    },
  };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Twilio's request signature: base64 HMAC-SHA1, keyed with the AuthToken, of the full URL Twilio
 * requested followed by every POST parameter as name+value, sorted by name.
 */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Readonly<Record<string, string>>,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
