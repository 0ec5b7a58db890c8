import { z } from "zod";
import { type DeliveryAdapter, DeliveryError, type OutboundMessage } from "../delivery.ts";
import { assertPublicUrl } from "./address-guard.ts";
import { exchange, isPermanentStatus } from "./http-response.ts";

const PLACEHOLDERS = ["to", "body", "sender"] as const;

/**
 * A generic HTTP SMS gateway, described by the tenant: most local gateways are "GET or POST this
 * URL with the number and text in it, look for OK in the answer".
 */
export const httpGatewayConfig = z
  .object({
    // {to} {body} {sender} are replaced, URL-encoded. The URL may carry an API key: it is sealed.
    url: z
      .string()
      .max(2000)
      .refine((u) => /^https?:\/\//i.test(u), "Must start with http:// or https://"),
    method: z.enum(["GET", "POST"]).default("POST"),
    // form: the body template is form-encoded (to={to}&text={body}); json: the values are inserted
    // as JSON string contents ({"to":"{to}"}); none: no body.
    bodyFormat: z.enum(["none", "form", "json"]).default("none"),
    bodyTemplate: z.string().max(4000).default(""),
    auth: z
      .discriminatedUnion("kind", [
        z.object({ kind: z.literal("none") }),
        z.object({ kind: z.literal("basic"), username: z.string().min(1).max(200), password: z.string().max(500) }),
        z.object({ kind: z.literal("bearer"), token: z.string().min(1).max(2000) }),
        z.object({
          kind: z.literal("header"),
          name: z
            .string()
            .regex(/^[A-Za-z0-9-]{1,64}$/, "A header name: letters, digits and hyphens")
            .refine((n) => !["host", "content-length", "content-type"].includes(n.toLowerCase()), "Not settable"),
          value: z.string().min(1).max(2000),
        }),
      ])
      .default({ kind: "none" }),
    // Besides a 2xx status, the response body must contain this (or match it as a regex).
    successMatch: z.string().max(500).default(""),
    successMatchRegex: z.boolean().default(false),
    // Where the gateway's message id is: a dotted path in a JSON answer ("messages.0.id") or a regex
    // whose first group captures it.
    messageIdJsonPath: z.string().max(200).default(""),
    messageIdRegex: z.string().max(500).default(""),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const [path, pattern] of [
      ["successMatch", c.successMatchRegex ? c.successMatch : ""],
      ["messageIdRegex", c.messageIdRegex],
    ] as const) {
      if (!pattern) continue;
      try {
        new RegExp(pattern);
      } catch {
        ctx.addIssue({ code: "custom", path: [path], message: "Not a valid regular expression" });
      }
    }
    if (c.method === "GET" && c.bodyFormat !== "none") {
      ctx.addIssue({ code: "custom", path: ["bodyFormat"], message: "A GET request has no body" });
    }
  });
export type HttpGatewayConfig = z.output<typeof httpGatewayConfig>;

type Values = Record<(typeof PLACEHOLDERS)[number], string>;

const fill = (template: string, values: Values, encode: (v: string) => string) =>
  template.replace(/\{(to|body|sender)\}/g, (_, k: keyof Values) => encode(values[k]));

// JSON.stringify escapes quotes, backslashes and control characters; the surrounding quotes are
// the template's own.
const jsonString = (v: string) => JSON.stringify(v).slice(1, -1);

export function buildGatewayRequest(config: HttpGatewayConfig, values: Values): { url: string; init: RequestInit } {
  const headers: Record<string, string> = { "user-agent": "ProxPanel-SMS/1" };
  const auth = config.auth;
  if (auth.kind === "basic") {
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
  } else if (auth.kind === "bearer") headers.authorization = `Bearer ${auth.token}`;
  else if (auth.kind === "header") headers[auth.name.toLowerCase()] = auth.value;
  let body: string | undefined;
  if (config.bodyFormat === "form") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = fill(config.bodyTemplate, values, encodeURIComponent);
  } else if (config.bodyFormat === "json") {
    headers["content-type"] = "application/json";
    body = fill(config.bodyTemplate, values, jsonString);
  }
  return {
    url: fill(config.url, values, encodeURIComponent),
    init: { method: config.method, headers, ...(body === undefined ? {} : { body }) },
  };
}

function extractMessageId(config: HttpGatewayConfig, text: string): string | null {
  if (config.messageIdJsonPath) {
    try {
      let v: unknown = JSON.parse(text);
      for (const key of config.messageIdJsonPath.split(".")) {
        v = v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
      }
      if (typeof v === "string" || typeof v === "number") return String(v);
    } catch {
      // not JSON: no id
    }
  }
  if (config.messageIdRegex) {
    const m = new RegExp(config.messageIdRegex).exec(text);
    if (m?.[1]) return m[1];
  }
  return null;
}

export interface HttpGatewayOptions {
  sender: string;
  /** Tests (and installs whose gateway lives on the LAN) may reach private addresses. */
  allowPrivateAddresses?: boolean;
}

export function httpGatewayAdapter(config: HttpGatewayConfig, opts: HttpGatewayOptions): DeliveryAdapter {
  return {
    channel: "sms",
    async send(msg: OutboundMessage) {
      const { url, init } = buildGatewayRequest(config, { to: msg.to, body: msg.body, sender: opts.sender });
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new DeliveryError("The gateway URL is not valid once filled in", true);
      }
      if (!opts.allowPrivateAddresses) await assertPublicUrl(parsed);
      const res = await exchange(url, init);
      const excerpt = res.text.slice(0, 300);
      if (res.status < 200 || res.status >= 300) {
        throw new DeliveryError(`Gateway answered HTTP ${res.status}: ${excerpt}`, isPermanentStatus(res.status));
      }
      if (config.successMatch) {
        const ok = config.successMatchRegex
          ? new RegExp(config.successMatch).test(res.text)
          : res.text.includes(config.successMatch);
        // A 2xx whose body lacks the success marker is often a transient refusal (no credit, busy).
        if (!ok) throw new DeliveryError(`Gateway answer did not match the success pattern: ${excerpt}`, false);
      }
      return { providerMessageId: extractMessageId(config, res.text), providerStatus: "accepted" };
    },
  };
}
