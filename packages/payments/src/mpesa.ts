import { z } from "zod";
import { MPESA_API_BASES, type MpesaConfig } from "./config.ts";
import { PaymentInputError, PaymentProviderError, PaymentSignatureError } from "./errors.ts";
import { call, type HttpAnswer, type ProviderDeps } from "./http.ts";
import { checkStartInput } from "./input.ts";
import { accessToken, type DarajaCredentials, darajaError, forgetToken } from "./mpesa-auth.ts";
import { parseStkCallback } from "./mpesa-callback.ts";
import {
  accountReference,
  mpesaPassword,
  mpesaTimestamp,
  normaliseKenyanPhone,
  toShillings,
  transactionDesc,
} from "./mpesa-format.ts";
import type { ExpectedAmount, PaymentProvider } from "./types.ts";

const code = z.union([z.string(), z.number()]).transform(String);
const pushAnswer = z.looseObject({
  MerchantRequestID: z.string().min(1),
  CheckoutRequestID: z.string().min(1).max(128),
  ResponseCode: code,
  ResponseDescription: z.string().optional(),
  CustomerMessage: z.string().optional(),
});
const queryAnswer = z.looseObject({
  ResponseCode: code,
  MerchantRequestID: z.string().min(1),
  CheckoutRequestID: z.string().min(1),
  ResultCode: code,
  ResultDesc: z.string(),
});

type StkStatus =
  | { state: "pending" }
  | { state: "unknown"; error: PaymentProviderError }
  | { state: "final"; resultCode: number; resultDesc: string; merchantRequestId: string };

const errorBody = (json: unknown) => (json ?? {}) as { errorCode?: unknown; errorMessage?: unknown };

/** Daraja refused the bearer token: 401 (current gateway) or 404.001.03 (older answers). */
function tokenRefused(answer: HttpAnswer): boolean {
  const { errorCode } = errorBody(answer.json);
  return answer.status === 401 || errorCode === "404.001.03" || errorCode === "401.003.01";
}

const failureReason = (desc: string, resultCode: number) => `${desc} (M-Pesa ${resultCode})`;

export function mpesaProvider(config: MpesaConfig, deps: ProviderDeps): PaymentProvider {
  const creds: DarajaCredentials = {
    apiBase: config.apiBase ?? MPESA_API_BASES[config.environment],
    consumerKey: config.consumerKey,
    consumerSecret: config.consumerSecret,
  };

  function signed(now: Date) {
    const Timestamp = mpesaTimestamp(now);
    return {
      BusinessShortCode: config.shortcode,
      Password: mpesaPassword(config.shortcode, config.passkey, Timestamp),
      Timestamp,
    };
  }

  /** POST with a bearer token; a refused token is forgotten and the call made once more. */
  async function post(path: string, body: Record<string, unknown>): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      const token = await accessToken(creds, deps);
      const answer = await call("M-Pesa", deps, `${creds.apiBase}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (attempt > 0 || !tokenRefused(answer)) return answer;
      forgetToken(creds, token);
    }
  }

  /** The STK Push Query API: the only authority on how a push ended. */
  async function stkStatus(checkoutRequestId: string): Promise<StkStatus> {
    const answer = await post("/mpesa/stkpushquery/v1/query", {
      ...signed(deps.now()),
      CheckoutRequestID: checkoutRequestId,
    });
    if (answer.status === 200) {
      const q = queryAnswer.safeParse(answer.json);
      if (!q.success || q.data.ResponseCode !== "0" || q.data.CheckoutRequestID !== checkoutRequestId) {
        throw new PaymentProviderError("M-Pesa answered the status query in an unexpected form", {
          status: 200,
          retryable: true,
        });
      }
      return {
        state: "final",
        resultCode: Number(q.data.ResultCode),
        resultDesc: q.data.ResultDesc,
        merchantRequestId: q.data.MerchantRequestID,
      };
    }
    const { errorMessage } = errorBody(answer.json);
    const message = typeof errorMessage === "string" ? errorMessage : "";
    // Until the subscriber answers the prompt (or it times out), Daraja says so with an error.
    if (/being processed/i.test(message)) return { state: "pending" };
    const error = darajaError("the status query", answer.status, answer.json);
    if (answer.status === 400 && /CheckoutRequestID/i.test(message)) return { state: "unknown", error };
    throw error;
  }

  function checkRef(providerRef: string): void {
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(providerRef)) {
      throw new PaymentInputError("providerRef", "not an M-Pesa CheckoutRequestID");
    }
  }

  return {
    name: "mpesa",

    async start(raw) {
      const input = checkStartInput(raw);
      const amount = toShillings(input.amountCents, input.currency);
      if (!input.customer.phone) {
        throw new PaymentInputError("customer.phone", "M-Pesa needs the subscriber's phone number");
      }
      const phone = normaliseKenyanPhone(input.customer.phone);
      const answer = await post("/mpesa/stkpush/v1/processrequest", {
        ...signed(deps.now()),
        TransactionType: config.transactionType ?? "CustomerPayBillOnline",
        Amount: amount,
        PartyA: phone,
        PartyB: config.tillNumber ?? config.shortcode,
        PhoneNumber: phone,
        CallBackURL: input.callbackUrl,
        AccountReference: accountReference(input.reference),
        TransactionDesc: transactionDesc(input.description),
      });
      if (answer.status !== 200) throw darajaError("the STK push", answer.status, answer.json);
      const push = pushAnswer.safeParse(answer.json);
      if (!push.success) {
        throw new PaymentProviderError("M-Pesa answered the STK push in an unexpected form", {
          status: 200,
          retryable: false,
        });
      }
      if (push.data.ResponseCode !== "0") {
        throw new PaymentProviderError(`M-Pesa refused the STK push: ${push.data.ResponseDescription ?? ""}`.trim(), {
          status: 200,
          providerCode: push.data.ResponseCode,
          retryable: false,
        });
      }
      // Daraja's own CustomerMessage ("Success. Request accepted for processing") is for us, not the subscriber.
      return {
        providerRef: push.data.CheckoutRequestID,
        customerMessage: `Check your phone and enter your M-Pesa PIN to pay KES ${amount.toLocaleString("en-US")}`,
      };
    },

    async parseCallback(req) {
      const claimed = parseStkCallback(req.rawBody);
      checkRef(claimed.checkoutRequestId);
      // Daraja signs nothing: believe the callback only as far as the query agrees with it.
      const status = await stkStatus(claimed.checkoutRequestId);
      if (status.state === "unknown") {
        throw new PaymentSignatureError("unknown", "M-Pesa does not know the callback's CheckoutRequestID");
      }
      if (status.state === "pending") {
        throw new PaymentProviderError("M-Pesa still reports the request as being processed; ask again later", {
          retryable: true,
        });
      }
      const claimsSuccess = claimed.resultCode === 0;
      if (status.merchantRequestId !== claimed.merchantRequestId || claimsSuccess !== (status.resultCode === 0)) {
        throw new PaymentSignatureError(
          "contradicted",
          `The callback claims result ${claimed.resultCode}; M-Pesa's status query says ${status.resultCode}`,
        );
      }
      const providerRef = claimed.checkoutRequestId;
      const eventId = `mpesa:${providerRef}`;
      if (!claimsSuccess) {
        return { kind: "failed", providerRef, reason: failureReason(status.resultDesc, status.resultCode), eventId };
      }
      // The query confirms success but not the amount; the push fixed it, so it must be what was asked.
      const amountCents = (claimed.amount ?? 0) * 100;
      const expected = req.expected;
      if (expected && (expected.currency !== "KES" || expected.amountCents !== amountCents)) {
        throw new PaymentSignatureError("contradicted", "The callback's amount is not the amount requested");
      }
      return {
        kind: "succeeded",
        providerRef,
        amountCents,
        currency: "KES",
        ...(claimed.receipt ? { providerTxnId: claimed.receipt } : {}),
        eventId,
      };
    },

    async query(providerRef, expected?: ExpectedAmount) {
      checkRef(providerRef);
      const status = await stkStatus(providerRef);
      if (status.state === "pending") return { kind: "pending" };
      if (status.state === "unknown") throw status.error;
      const eventId = `mpesa:${providerRef}`;
      if (status.resultCode !== 0) {
        return { kind: "failed", providerRef, reason: failureReason(status.resultDesc, status.resultCode), eventId };
      }
      if (expected?.currency !== "KES") {
        throw new PaymentInputError(
          "expected",
          "M-Pesa's status query does not report the amount: pass the KES amount that was requested",
        );
      }
      return { kind: "succeeded", providerRef, amountCents: expected.amountCents, currency: "KES", eventId };
    },
  };
}
