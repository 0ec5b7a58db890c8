import { randomBytes } from "node:crypto";
import http from "node:http";
import { twilioSignature } from "../adapters/twilio.ts";
import { type FakeReply, listen } from "./http-fake.ts";

interface Account {
  sid: string;
  token: string;
}

export interface FakeTwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
}

const error = (status: number, code: number, message: string): FakeReply => ({
  status,
  type: "application/json",
  body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
});

/**
 * Twilio Programmable Messaging as documented: POST /2010-04-01/Accounts/{AccountSid}/Messages.json
 * with HTTP Basic (AccountSid:AuthToken) and form fields To, From or MessagingServiceSid, Body and
 * StatusCallback; 201 with the message resource, or 4xx/5xx with { code, message, more_info,
 * status }. Status callbacks are form posts signed with X-Twilio-Signature.
 */
export async function fakeTwilio(accounts: Account[]) {
  const messages: FakeTwilioMessage[] = [];
  const failures: FakeReply[] = [];
  const server = await listen((req) => {
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url.pathname);
    if (req.method !== "POST" || !m) return error(404, 20404, "The requested resource was not found");
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [user, pass] = Buffer.from(auth ?? "", "base64")
      .toString()
      .split(":");
    const account = accounts.find((a) => a.sid === user && a.token === pass);
    if (!account || account.sid !== m[1]) return error(401, 20003, "Authenticate");
    if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
      return error(400, 20001, "Content-Type must be application/x-www-form-urlencoded");
    }
    const failure = failures.shift();
    if (failure) return failure;
    const form = new URLSearchParams(req.body);
    const to = form.get("To");
    const from = form.get("From");
    const service = form.get("MessagingServiceSid");
    const body = form.get("Body");
    if (!to) return error(400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return error(400, 21603, "A 'From' phone number is required.");
    if (!body) return error(400, 21602, "Message body is required.");
    if (!/^\+[1-9][0-9]{6,14}$/.test(to))
      return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    const sid = `SM${randomBytes(16).toString("hex")}`;
    messages.push({
      sid,
      accountSid: account.sid,
      to,
      from,
      messagingServiceSid: service,
      body,
      statusCallback: form.get("StatusCallback"),
    });
    return {
      status: 201,
      type: "application/json",
      body: JSON.stringify({
        sid,
        account_sid: account.sid,
        to,
        from,
        messaging_service_sid: service,
        body,
        status: "queued",
        num_segments: "1",
        direction: "outbound-api",
        api_version: "2010-04-01",
        error_code: null,
        error_message: null,
        uri: `/2010-04-01/Accounts/${account.sid}/Messages/${sid}.json`,
      }),
    };
  });

  /**
   * Posts a status callback for a message the way Twilio does, signed with its account's token
   * (or `opts.token`, to forge one). `port` is where the API listens: the callback URL's host (the
   * tenant's) is sent as the Host header.
   */
  async function sendStatus(
    sid: string,
    status: string,
    opts: { port: number; token?: string; errorCode?: string; url?: string; signature?: string },
  ): Promise<number> {
    const msg = messages.find((x) => x.sid === sid);
    if (!msg?.statusCallback) throw new Error(`no callback for ${sid}`);
    const url = opts.url ?? msg.statusCallback;
    const params: Record<string, string> = {
      AccountSid: msg.accountSid,
      ApiVersion: "2010-04-01",
      From: msg.from ?? "",
      MessageSid: sid,
      MessageStatus: status,
      SmsSid: sid,
      SmsStatus: status,
      To: msg.to,
      ...(opts.errorCode ? { ErrorCode: opts.errorCode } : {}),
    };
    const token = opts.token ?? accounts.find((a) => a.sid === msg.accountSid)?.token ?? "";
    const signature = opts.signature ?? twilioSignature(token, url, params);
    const target = new URL(url);
    const payload = new URLSearchParams(params).toString();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: opts.port,
          method: "POST",
          path: `${target.pathname}${target.search}`,
          headers: {
            host: target.host,
            "content-type": "application/x-www-form-urlencoded",
            "content-length": String(Buffer.byteLength(payload)),
            "x-twilio-signature": signature,
            "user-agent": "TwilioProxy/1.1",
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  return {
    ...server,
    messages,
    /** The next requests (after authentication) get these answers instead of a message. */
    failNext(...replies: FakeReply[]) {
      failures.push(...replies);
    },
    serverError: () => error(500, 20500, "Internal Server Error"),
    sendStatus,
  };
}
export type FakeTwilio = Awaited<ReturnType<typeof fakeTwilio>>;
