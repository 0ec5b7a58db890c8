import { createHmac } from "node:crypto";
import { type Delivery, deliver, type RecordedRequest, type Reply, randomId, startServer } from "./server.ts";

// A local Stripe that speaks the documented API for what ProxPanel uses: Checkout Sessions
// (https://docs.stripe.com/api/checkout/sessions), API-key auth, idempotency keys, error bodies,
// and webhook deliveries signed as https://docs.stripe.com/webhooks#verify-manually describes.
// It signs with its own HMAC code, not the package's, so the two check each other.

export interface FakeCheckoutSession {
  id: string;
  object: "checkout.session";
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  customer_email: string | null;
  metadata: Record<string, string>;
  mode: "payment";
  payment_intent: string | null;
  payment_status: "paid" | "unpaid";
  status: "open" | "complete" | "expired";
  success_url: string;
  cancel_url: string | null;
  url: string | null;
  created: number;
  expires_at: number;
  livemode: false;
}

export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  type: string;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

export interface SignedEvent {
  rawBody: string;
  headers: Record<string, string>;
}

export interface StripeWebhook extends SignedEvent {
  event: StripeEvent;
  /** The answer of the webhook endpoint, when `webhookUrl` is set. */
  delivery?: Delivery;
}

export interface FakeStripeOptions {
  secretKey?: string;
  webhookSecret?: string;
  /** Where events are POSTed (settable later); without it events are only built and signed. */
  webhookUrl?: string;
  /** "127.0.0.1:port" to connect to for deliveries, keeping the URL's Host (tenant hosts in tests). */
  deliverVia?: string;
}

export interface FakeStripe {
  url: string;
  secretKey: string;
  webhookSecret: string;
  webhookUrl: string | undefined;
  deliverVia: string | undefined;
  requests: RecordedRequest[];
  sessions: Map<string, FakeCheckoutSession>;
  /** Settings for `createProvider("stripe", ...)` (with `allowLoopbackApiBase: true`). */
  config(): { secretKey: string; webhookSecret: string; apiBase: string };
  /** The customer pays (or, with `paid: false`, starts an asynchronous payment). */
  completeSession(id: string, opts?: { paid?: boolean }): Promise<StripeWebhook>;
  /** An asynchronous payment (bank debit...) ends. */
  settleAsyncPayment(id: string, opts: { succeeded: boolean }): Promise<StripeWebhook>;
  /** The session expires unpaid (Stripe's "expire a session" call). */
  expireSession(id: string): Promise<StripeWebhook>;
  /** An event around a copy of `object`, as Stripe builds them. */
  event(type: string, object: unknown): StripeEvent;
  /** Signs any event (or any text): `timestamp` in Unix seconds, `secret` to forge with another key. */
  signedEvent(event: unknown, opts?: { timestamp?: number; secret?: string }): SignedEvent;
  /** POSTs a signed event to `webhookUrl`. */
  deliver(signed: SignedEvent): Promise<Delivery>;
  close(): Promise<void>;
}

const stripeError = (status: number, type: string, message: string, extra: Record<string, string> = {}): Reply => ({
  status,
  body: { error: { type, message, ...extra } },
});

const KNOWN_PARAMS = [
  /^mode$/,
  /^line_items\[0\]\[(quantity|price_data\]\[(currency|unit_amount|product_data\]\[name))\]$/,
  /^(success_url|cancel_url|client_reference_id|customer_email|expires_at|locale)$/,
  /^metadata\[[^\]]{1,40}\]$/,
];

function authorised(headers: Record<string, string>, secretKey: string): Reply | undefined {
  const auth = headers.authorization ?? "";
  let key: string | undefined;
  if (auth.startsWith("Bearer ")) key = auth.slice(7);
  // Stripe also takes the key as the Basic username.
  else if (auth.startsWith("Basic ")) key = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":")[0];
  if (!key) {
    return stripeError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (key !== secretKey) {
    return stripeError(
      401,
      "invalid_request_error",
      `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}`,
    );
  }
  return undefined;
}

export async function startFakeStripe(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  const secretKey = opts.secretKey ?? `sk_test_${randomId(24)}`;
  const webhookSecret = opts.webhookSecret ?? `whsec_${randomId(32)}`;
  const sessions = new Map<string, FakeCheckoutSession>();
  const idempotency = new Map<string, { body: string; reply: Reply }>();
  let base = "";

  function createSession(form: URLSearchParams): Reply {
    for (const key of form.keys()) {
      if (!KNOWN_PARAMS.some((p) => p.test(key))) {
        return stripeError(400, "invalid_request_error", `Received unknown parameter: ${key}`, { param: key });
      }
    }
    const missing = (param: string) =>
      stripeError(400, "invalid_request_error", `Missing required param: ${param}.`, {
        param,
        code: "parameter_missing",
      });
    const invalid = (param: string, message: string) =>
      stripeError(400, "invalid_request_error", message, { param, code: "parameter_invalid" });
    const mode = form.get("mode");
    if (!mode) return missing("mode");
    if (mode !== "payment") return invalid("mode", "This fake supports mode=payment only.");
    const p = "line_items[0][price_data]";
    const currency = form.get(`${p}[currency]`);
    if (!currency) return missing(`${p}[currency]`);
    if (!/^[a-z]{3}$/.test(currency)) return invalid(`${p}[currency]`, `Invalid currency: ${currency}.`);
    const unitAmount = form.get(`${p}[unit_amount]`);
    if (!unitAmount) return missing(`${p}[unit_amount]`);
    if (!/^\d{1,12}$/.test(unitAmount)) return invalid(`${p}[unit_amount]`, `Invalid integer: ${unitAmount}`);
    const name = form.get(`${p}[product_data][name]`);
    if (!name) return missing(`${p}[product_data][name]`);
    const quantity = form.get("line_items[0][quantity]") ?? "1";
    if (!/^[1-9]\d{0,5}$/.test(quantity)) return invalid("line_items[0][quantity]", `Invalid integer: ${quantity}`);
    const successUrl = form.get("success_url");
    if (!successUrl) return missing("success_url");
    for (const param of ["success_url", "cancel_url"]) {
      const value = form.get(param);
      if (value !== null && !URL.canParse(value)) return invalid(param, "Not a valid URL");
    }
    const metadata: Record<string, string> = {};
    for (const [k, v] of form) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m?.[1]) metadata[m[1]] = v;
    }
    const now = Math.floor(Date.now() / 1000);
    const id = `cs_test_${randomId(58)}`;
    const amount = Number(unitAmount) * Number(quantity);
    const session: FakeCheckoutSession = {
      id,
      object: "checkout.session",
      amount_subtotal: amount,
      amount_total: amount,
      currency,
      client_reference_id: form.get("client_reference_id"),
      customer_email: form.get("customer_email"),
      metadata,
      mode: "payment",
      payment_intent: null,
      payment_status: "unpaid",
      status: "open",
      success_url: successUrl,
      cancel_url: form.get("cancel_url"),
      url: `${base}/c/pay/${id}`,
      created: now,
      expires_at: now + 24 * 3600,
      livemode: false,
    };
    sessions.set(id, session);
    return { status: 200, body: structuredClone(session) };
  }

  function handle(req: RecordedRequest): Reply {
    const refused = authorised(req.headers, secretKey);
    if (refused) return refused;
    if (req.method === "POST" && req.path === "/v1/checkout/sessions") {
      const key = req.headers["idempotency-key"];
      const earlier = key ? idempotency.get(key) : undefined;
      if (earlier) {
        if (earlier.body !== req.body) {
          return stripeError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          );
        }
        return { ...earlier.reply, headers: { "idempotent-replayed": "true" } };
      }
      const reply = createSession(new URLSearchParams(req.body));
      // Stripe saves the result of any request that reached its API, errors included.
      if (key) idempotency.set(key, { body: req.body, reply });
      return reply;
    }
    const m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(req.path);
    if (req.method === "GET" && m?.[1]) {
      const session = sessions.get(decodeURIComponent(m[1]));
      if (!session) {
        return stripeError(404, "invalid_request_error", `No such checkout.session: '${m[1]}'`, {
          param: "session",
          code: "resource_missing",
        });
      }
      return { status: 200, body: structuredClone(session) };
    }
    return stripeError(404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${req.path}).`);
  }

  const server = await startServer(handle);
  base = server.url;

  const fake: FakeStripe = {
    url: server.url,
    secretKey,
    webhookSecret,
    webhookUrl: opts.webhookUrl,
    deliverVia: opts.deliverVia,
    requests: server.requests,
    sessions,
    config: () => ({ secretKey, webhookSecret, apiBase: server.url }),

    event(type, object) {
      return {
        id: `evt_${randomId(24)}`,
        object: "event",
        api_version: "2024-06-20",
        created: Math.floor(Date.now() / 1000),
        type,
        data: { object: structuredClone(object) },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
      };
    },

    signedEvent(event, o = {}) {
      const rawBody = typeof event === "string" ? event : JSON.stringify(event, null, 2);
      const t = o.timestamp ?? Math.floor(Date.now() / 1000);
      const mac = createHmac("sha256", o.secret ?? webhookSecret)
        .update(`${t}.${rawBody}`, "utf8")
        .digest("hex");
      return { rawBody, headers: { "stripe-signature": `t=${t},v1=${mac}` } };
    },

    async deliver(signed) {
      if (!fake.webhookUrl) throw new Error("fake Stripe: no webhookUrl to deliver to");
      return deliver(fake.webhookUrl, signed.rawBody, signed.headers, fake.deliverVia);
    },

    completeSession: (id, o = {}) =>
      transition(id, (s) => {
        if (s.status !== "open") throw new Error(`fake Stripe: session ${id} is ${s.status}`);
        s.status = "complete";
        s.payment_intent = `pi_${randomId(24)}`;
        s.payment_status = o.paid === false ? "unpaid" : "paid";
        return "checkout.session.completed";
      }),

    settleAsyncPayment: (id, o) =>
      transition(id, (s) => {
        if (s.status !== "complete" || s.payment_status !== "unpaid") {
          throw new Error(`fake Stripe: session ${id} has no asynchronous payment in flight`);
        }
        if (o.succeeded) s.payment_status = "paid";
        return o.succeeded ? "checkout.session.async_payment_succeeded" : "checkout.session.async_payment_failed";
      }),

    expireSession: (id) =>
      transition(id, (s) => {
        // Stripe: "Only Checkout Sessions with a status of open can be expired."
        if (s.status !== "open") throw new Error(`fake Stripe: session ${id} is ${s.status}`);
        s.status = "expired";
        s.url = null;
        return "checkout.session.expired";
      }),

    close: () => server.close(),
  };

  async function transition(id: string, change: (s: FakeCheckoutSession) => string): Promise<StripeWebhook> {
    const session = sessions.get(id);
    if (!session) throw new Error(`fake Stripe: no session ${id}`);
    const event = fake.event(change(session), structuredClone(session));
    const signed = fake.signedEvent(event);
    return { event, ...signed, ...(fake.webhookUrl ? { delivery: await fake.deliver(signed) } : {}) };
  }

  return fake;
}
