import { type Delivery, deliver, type RecordedRequest, type Reply, randomId, startServer } from "./server.ts";

// A local Safaricom Daraja for Lipa na M-Pesa Online: OAuth client credentials, STK push and STK
// push query, with Daraja's error envelope `{ requestId, errorCode, errorMessage }`. Test controls
// play the subscriber's phone: completeStk() settles a push and posts the callback to its
// CallBackURL; forgeCallback() posts one the query will contradict. The password check is written
// here again (not imported) so the fake and the package check each other.

export interface FakeStkRequest {
  merchantRequestId: string;
  checkoutRequestId: string;
  /** The JSON body Daraja received. */
  body: Record<string, unknown>;
  amount: number;
  phone: string;
  callbackUrl: string;
  /** Set once the subscriber answered; until then the query says "being processed". */
  result?: { resultCode: number; resultDesc: string; receipt?: string };
}

export interface StkCallback {
  rawBody: string;
  body: unknown;
  /** The answer of the merchant's CallBackURL, when delivered. */
  delivery?: Delivery;
}

export interface StkCallbackOptions {
  /** 0 paid; 1032 cancelled by the subscriber; 1037 phone unreachable; 1 insufficient balance; 2001 wrong PIN. */
  resultCode?: number;
  /** The Amount the callback states (whole shillings); defaults to the amount pushed. */
  amount?: number;
  merchantRequestId?: string;
  /** Post it (default true); false only builds it. */
  deliver?: boolean;
}

export interface FakeMpesaOptions {
  consumerKey?: string;
  consumerSecret?: string;
  shortcode?: string;
  passkey?: string;
  /** Buy Goods: the till (PartyB) when it differs from the shortcode. */
  tillNumber?: string;
  /** "127.0.0.1:port" to connect to for callbacks, keeping the CallBackURL's Host (tenant hosts in tests). */
  deliverVia?: string;
}

export interface FakeMpesa {
  url: string;
  consumerKey: string;
  consumerSecret: string;
  shortcode: string;
  passkey: string;
  deliverVia: string | undefined;
  requests: RecordedRequest[];
  stkRequests: Map<string, FakeStkRequest>;
  /** Access tokens issued so far (to see the client's cache at work). */
  readonly tokensIssued: number;
  /** Settings for `createProvider("mpesa", ...)` (with `allowLoopbackApiBase: true`). */
  config(): {
    consumerKey: string;
    consumerSecret: string;
    shortcode: string;
    passkey: string;
    environment: "sandbox";
    apiBase: string;
    tillNumber?: string;
    transactionType?: "CustomerBuyGoodsOnline";
  };
  /** The subscriber answers the prompt: the query now tells this result, and the callback is posted. */
  completeStk(checkoutRequestId: string, opts?: StkCallbackOptions): Promise<StkCallback>;
  /** A callback the fake did not send: posted to the push's CallBackURL (or `callbackUrl`), state unchanged. */
  forgeCallback(
    checkoutRequestId: string,
    opts?: StkCallbackOptions & { callbackUrl?: string; receipt?: string },
  ): Promise<StkCallback>;
  /** Invalidates every access token issued so far (as if Daraja revoked them). */
  revokeTokens(): void;
  close(): Promise<void>;
}

const RESULT_DESC: Record<number, string> = {
  0: "The service request is processed successfully.",
  1: "The balance is insufficient for the transaction.",
  1032: "Request cancelled by user",
  1037: "DS timeout user cannot be reached",
  2001: "The initiator information is invalid.",
};

const requestId = () => `${randomId(5, 10)}-${randomId(8, 10)}-1`;
const darajaError = (status: number, errorCode: string, errorMessage: string): Reply => ({
  status,
  body: { requestId: requestId(), errorCode, errorMessage },
});
const badRequest = (field: string) => darajaError(400, "400.002.02", `Bad Request - Invalid ${field}`);

function eatNow(): string {
  const d = new Date(Date.now() + 3 * 3600_000);
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

export async function startFakeMpesa(opts: FakeMpesaOptions = {}): Promise<FakeMpesa> {
  const consumerKey = opts.consumerKey ?? randomId(48);
  const consumerSecret = opts.consumerSecret ?? randomId(64);
  const shortcode = opts.shortcode ?? "174379";
  const passkey = opts.passkey ?? randomId(64, 16).toLowerCase();
  const stkRequests = new Map<string, FakeStkRequest>();
  let tokens = new Set<string>();
  let tokensIssued = 0;

  function oauth(req: RecordedRequest): Reply {
    const auth = req.headers.authorization ?? "";
    const [key, secret] = auth.startsWith("Basic ")
      ? Buffer.from(auth.slice(6), "base64").toString("utf8").split(":")
      : [];
    if (key !== consumerKey || secret !== consumerSecret) {
      return darajaError(400, "400.008.01", "Invalid Authentication passed");
    }
    if (req.query.grant_type !== "client_credentials") {
      return darajaError(400, "400.008.02", "Invalid grant type passed");
    }
    const token = randomId(28);
    tokens.add(token);
    tokensIssued++;
    return { status: 200, body: { access_token: token, expires_in: "3599" } };
  }

  /** Bearer token, JSON body, shortcode and the password derived from the passkey. */
  function checkCall(req: RecordedRequest): { refused: Reply } | { body: Record<string, unknown> } {
    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (!tokens.has(token))
      return { refused: darajaError(401, "401.003.01", `Error Occurred - Invalid Access Token - ${token}`) };
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return { refused: darajaError(400, "400.002.05", "Invalid Request Payload") };
    }
    if (typeof body !== "object" || body === null)
      return { refused: darajaError(400, "400.002.05", "Invalid Request Payload") };
    const b = body as Record<string, unknown>;
    if (String(b.BusinessShortCode) !== shortcode) return { refused: badRequest("BusinessShortCode") };
    const ts = String(b.Timestamp ?? "");
    if (!/^\d{14}$/.test(ts)) return { refused: badRequest("Timestamp") };
    const password = Buffer.from(`${shortcode}${passkey}${ts}`).toString("base64");
    if (b.Password !== password) return { refused: darajaError(500, "500.001.1001", "Wrong credentials") };
    return { body: b };
  }

  function stkPush(b: Record<string, unknown>): Reply {
    const partyB = opts.tillNumber ?? shortcode;
    if (b.TransactionType !== "CustomerPayBillOnline" && b.TransactionType !== "CustomerBuyGoodsOnline") {
      return badRequest("TransactionType");
    }
    const amount = Number(b.Amount);
    if (!Number.isInteger(amount) || amount < 1) return badRequest("Amount");
    const phone = String(b.PhoneNumber ?? "");
    if (!/^254[17]\d{8}$/.test(phone)) return badRequest("PhoneNumber");
    if (String(b.PartyA) !== phone) return badRequest("PartyA");
    if (String(b.PartyB) !== partyB) return badRequest("PartyB");
    const callbackUrl = String(b.CallBackURL ?? "");
    if (!/^https?:\/\//.test(callbackUrl) || !URL.canParse(callbackUrl)) return badRequest("CallBackURL");
    const ref = b.AccountReference;
    if (typeof ref !== "string" || ref.length < 1 || ref.length > 12) return badRequest("AccountReference");
    const desc = b.TransactionDesc;
    if (typeof desc !== "string" || desc.length < 1 || desc.length > 13) return badRequest("TransactionDesc");
    const merchantRequestId = requestId();
    const checkoutRequestId = `ws_CO_${eatNow()}${randomId(12, 10)}`;
    stkRequests.set(checkoutRequestId, {
      merchantRequestId,
      checkoutRequestId,
      body: b,
      amount,
      phone,
      callbackUrl,
    });
    return {
      status: 200,
      body: {
        MerchantRequestID: merchantRequestId,
        CheckoutRequestID: checkoutRequestId,
        ResponseCode: "0",
        ResponseDescription: "Success. Request accepted for processing",
        CustomerMessage: "Success. Request accepted for processing",
      },
    };
  }

  function stkQuery(b: Record<string, unknown>): Reply {
    const stk = typeof b.CheckoutRequestID === "string" ? stkRequests.get(b.CheckoutRequestID) : undefined;
    if (!stk) return badRequest("CheckoutRequestID");
    if (!stk.result) return darajaError(500, "500.001.1001", "The transaction is being processed");
    return {
      status: 200,
      body: {
        ResponseCode: "0",
        ResponseDescription: "The service request has been accepted successsfully",
        MerchantRequestID: stk.merchantRequestId,
        CheckoutRequestID: stk.checkoutRequestId,
        ResultCode: String(stk.result.resultCode),
        ResultDesc: stk.result.resultDesc,
      },
    };
  }

  function handle(req: RecordedRequest): Reply {
    if (req.method === "GET" && req.path === "/oauth/v1/generate") return oauth(req);
    const routes: Record<string, (b: Record<string, unknown>) => Reply> = {
      "/mpesa/stkpush/v1/processrequest": stkPush,
      "/mpesa/stkpushquery/v1/query": stkQuery,
    };
    const route = req.method === "POST" ? routes[req.path] : undefined;
    if (!route) return darajaError(404, "404.001.01", "Resource not found");
    const checked = checkCall(req);
    return "refused" in checked ? checked.refused : route(checked.body);
  }

  function callbackBody(stk: FakeStkRequest, o: StkCallbackOptions & { receipt?: string }, resultCode: number) {
    const inner: Record<string, unknown> = {
      MerchantRequestID: o.merchantRequestId ?? stk.merchantRequestId,
      CheckoutRequestID: stk.checkoutRequestId,
      ResultCode: resultCode,
      ResultDesc: RESULT_DESC[resultCode] ?? "The transaction failed.",
    };
    if (resultCode === 0) {
      inner.CallbackMetadata = {
        Item: [
          { Name: "Amount", Value: o.amount ?? stk.amount },
          { Name: "MpesaReceiptNumber", Value: o.receipt ?? randomId(10, 36) },
          { Name: "Balance" },
          { Name: "TransactionDate", Value: Number(eatNow()) },
          { Name: "PhoneNumber", Value: Number(stk.phone) },
        ],
      };
    }
    return { Body: { stkCallback: inner } };
  }

  async function post(url: string, body: unknown, send: boolean | undefined): Promise<StkCallback> {
    const rawBody = JSON.stringify(body);
    return { rawBody, body, ...(send === false ? {} : { delivery: await deliver(url, rawBody, {}, fake.deliverVia) }) };
  }

  const server = await startServer(handle);

  const fake: FakeMpesa = {
    url: server.url,
    consumerKey,
    consumerSecret,
    shortcode,
    passkey,
    deliverVia: opts.deliverVia,
    requests: server.requests,
    stkRequests,
    get tokensIssued() {
      return tokensIssued;
    },
    config: () => ({
      consumerKey,
      consumerSecret,
      shortcode,
      passkey,
      environment: "sandbox",
      apiBase: server.url,
      ...(opts.tillNumber ? { tillNumber: opts.tillNumber, transactionType: "CustomerBuyGoodsOnline" as const } : {}),
    }),

    async completeStk(id, o = {}) {
      const stk = stkRequests.get(id);
      if (!stk) throw new Error(`fake M-Pesa: no STK push ${id}`);
      if (stk.result) throw new Error(`fake M-Pesa: STK push ${id} already answered`);
      const resultCode = o.resultCode ?? 0;
      const receipt = resultCode === 0 ? randomId(10, 36) : undefined;
      const body = callbackBody(stk, { ...o, ...(receipt ? { receipt } : {}) }, resultCode);
      stk.result = {
        resultCode,
        resultDesc: String(body.Body.stkCallback.ResultDesc),
        ...(receipt ? { receipt } : {}),
      };
      return post(stk.callbackUrl, body, o.deliver);
    },

    async forgeCallback(id, o = {}) {
      const stk: FakeStkRequest = stkRequests.get(id) ?? {
        merchantRequestId: requestId(),
        checkoutRequestId: id,
        body: {},
        amount: o.amount ?? 1,
        phone: "254700000000",
        callbackUrl: o.callbackUrl ?? "",
      };
      const url = o.callbackUrl ?? stk.callbackUrl;
      if (!url && o.deliver !== false)
        throw new Error("fake M-Pesa: a forged callback for an unknown push needs callbackUrl");
      return post(url, callbackBody(stk, o, o.resultCode ?? 0), o.deliver);
    },

    revokeTokens() {
      tokens = new Set();
    },

    close: () => server.close(),
  };
  return fake;
}
