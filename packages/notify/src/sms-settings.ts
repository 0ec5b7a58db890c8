import { seal, unseal } from "@proxpanel/auth";
import type { TenantTables } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { type HttpGatewayConfig, httpGatewayAdapter, httpGatewayConfig } from "./adapters/http-gateway.ts";
import { type TwilioConfig, twilioAdapter, twilioConfig } from "./adapters/twilio.ts";
import type { DeliveryAdapter } from "./delivery.ts";
import type { TenantExecutor } from "./enqueue.ts";

/** What the settings API accepts: the sender, and the provider's full definition (sealed as a whole). */
export const smsSettingsInput = z.discriminatedUnion("provider", [
  z
    .object({
      provider: z.literal("http"),
      enabled: z.boolean().default(true),
      sender: z.string().max(20).default(""),
      config: httpGatewayConfig,
    })
    .strict(),
  z
    .object({
      provider: z.literal("twilio"),
      enabled: z.boolean().default(true),
      sender: z.string().max(20).default(""),
      config: twilioConfig,
    })
    .strict(),
]);
export type SmsSettingsInput = z.output<typeof smsSettingsInput>;

export type SmsProviderConfig =
  | { provider: "http"; config: HttpGatewayConfig }
  | { provider: "twilio"; config: TwilioConfig };

// Bound into the seal: the sealed blob opens only as this tenant's SMS settings.
const SEAL_CONTEXT = "sms_settings";

export const sealSmsConfig = (key: Buffer, input: SmsProviderConfig) =>
  seal(key, JSON.stringify(input.config), `${SEAL_CONTEXT}:${input.provider}`);

/** What the panel may see again: enough to recognise the gateway, nothing that signs in to it. */
export function publicInfo(input: SmsProviderConfig): Record<string, string> {
  if (input.provider === "twilio") {
    const sid = input.config.accountSid;
    return {
      accountSid: `${sid.slice(0, 4)}…${sid.slice(-4)}`,
      messagingServiceSid: input.config.messagingServiceSid ? "set" : "",
    };
  }
  const url = new URL(input.config.url.replace(/\{(to|body|sender)\}/g, "x"));
  return {
    method: input.config.method,
    host: url.host,
    auth: input.config.auth.kind,
    bodyFormat: input.config.bodyFormat,
  };
}

export interface StoredSmsSettings {
  provider: "http" | "twilio";
  enabled: boolean;
  sender: string;
  config: SmsProviderConfig;
}

export async function loadSmsSettings(
  db: TenantExecutor,
  t: TenantTables,
  key: Buffer,
): Promise<StoredSmsSettings | null> {
  const row = (await db.select().from(t.smsSettings).where(eq(t.smsSettings.id, 1)).limit(1))[0];
  if (!row) return null;
  const raw: unknown = JSON.parse(unseal(key, row.configSealed, `${SEAL_CONTEXT}:${row.provider}`));
  const config: SmsProviderConfig =
    row.provider === "twilio"
      ? { provider: "twilio", config: twilioConfig.parse(raw) }
      : { provider: "http", config: httpGatewayConfig.parse(raw) };
  return { provider: row.provider, enabled: row.enabled, sender: row.sender, config };
}

export interface SmsAdapterEnv {
  twilioApiBase?: string | undefined;
  /** The tenant's public origin (https://acme.example.net): Twilio's status callbacks go there. */
  callbackOrigin?: string | null | undefined;
  allowPrivateGateways?: boolean | undefined;
}

export const twilioCallbackPath = (outboxId: number) => `/api/notifications/sms-callbacks/twilio/${outboxId}`;

export function smsAdapterFor(settings: StoredSmsSettings, env: SmsAdapterEnv): DeliveryAdapter {
  const c = settings.config;
  if (c.provider === "twilio") {
    const origin = env.callbackOrigin;
    return twilioAdapter(c.config, {
      sender: settings.sender,
      ...(env.twilioApiBase ? { apiBase: env.twilioApiBase } : {}),
      statusCallback: (id) => (origin ? `${origin}${twilioCallbackPath(id)}` : null),
    });
  }
  return httpGatewayAdapter(c.config, { sender: settings.sender, allowPrivateAddresses: !!env.allowPrivateGateways });
}
