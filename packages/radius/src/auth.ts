import { randomBytes } from "node:crypto";
import {
  Attr,
  type AttributeList,
  bufferAttr,
  Code,
  type DecodedPacket,
  decryptUserPassword,
  findRaw,
  rawString,
  rawValue,
  vendorAttrs,
} from "./codec.ts";
import type {
  AuthMethod,
  MaybePromise,
  NasRecord,
  RadiusDataSource,
  RejectReason,
  SubscriberRecord,
} from "./data-source.ts";
import { md5, safeEqual } from "./hashes.ts";
import { prefixAttribute } from "./ipv6.ts";
import {
  encryptMppeKey,
  generateAuthenticatorResponse,
  generateNtResponse,
  mppeKeys,
  ntPasswordHash,
  parseMsChap2Response,
} from "./mschap.ts";
import { sessionTimeout, totalLimit } from "./reply-limits.ts";

export interface AuthOptions {
  /** Acct-Interim-Interval when the subscriber has none (seconds). */
  defaultInterimInterval: number;
  now?: () => Date;
}

export interface AuthDecision {
  code: typeof Code.AccessAccept | typeof Code.AccessReject;
  attributes: AttributeList;
  method: AuthMethod;
  username: string;
  reason?: RejectReason;
  framedIp?: string;
  callingStationId?: string;
}

const REJECT_MESSAGES: Record<RejectReason, string> = {
  unknown_user: "Authentication failed",
  wrong_password: "Authentication failed",
  disabled: "Account disabled",
  expired: "Account expired",
  mac_mismatch: "Device not allowed for this account",
  voucher_expired: "Voucher expired",
  voucher_used_up: "Voucher used up",
  voucher_deleted: "Voucher no longer exists",
  quota: "Data quota exhausted",
  unsupported_method: "Authentication method not supported",
  tenant_inactive: "Service suspended",
  over_cap: "Subscriber limit reached",
  simultaneous_use: "Simultaneous-use limit reached",
};

const MIKROTIK = 14988;
const MICROSOFT = 311;

type Credentials =
  | { method: "pap"; password: Buffer }
  | { method: "chap"; ident: number; response: Buffer; challenge: Buffer }
  | { method: "mschapv2"; challenge: Buffer; ident: number; peerChallenge: Buffer; ntResponse: Buffer }
  | { method: "none" };

function credentials(packet: DecodedPacket, secret: string): Credentials {
  const pw = findRaw(packet, Attr.UserPassword);
  if (pw) {
    const password = decryptUserPassword(rawValue(packet, pw), secret, packet.authenticator);
    return password ? { method: "pap", password } : { method: "none" };
  }
  const chap = findRaw(packet, Attr.ChapPassword);
  if (chap) {
    const v = rawValue(packet, chap);
    if (v.length !== 17) return { method: "none" };
    const challengeAttr = findRaw(packet, Attr.ChapChallenge);
    const challenge = challengeAttr ? rawValue(packet, challengeAttr) : packet.authenticator;
    return { method: "chap", ident: v[0] ?? 0, response: v.subarray(1), challenge };
  }
  const vsa = vendorAttrs(packet.attributes);
  const msChallenge = bufferAttr(vsa, "MS-CHAP-Challenge");
  const msResponse = bufferAttr(vsa, "MS-CHAP2-Response");
  if (msChallenge && msResponse) {
    const r = parseMsChap2Response(msResponse);
    if (r && msChallenge.length === 16) return { method: "mschapv2", challenge: msChallenge, ...r };
  }
  return { method: "none" };
}

function passwordMatches(sub: SubscriberRecord, cred: Credentials, username: string): boolean {
  switch (cred.method) {
    case "pap":
      if (sub.password !== undefined) return safeEqual(Buffer.from(sub.password, "utf8"), cred.password);
      return sub.ntHash !== undefined && safeEqual(ntPasswordHash(cred.password.toString("utf8")), sub.ntHash);
    case "chap": {
      if (sub.password === undefined) return false;
      const expected = md5(Buffer.from([cred.ident]), sub.password, cred.challenge);
      return safeEqual(expected, cred.response);
    }
    case "mschapv2": {
      const hash = subscriberNtHash(sub);
      if (!hash) return false;
      return safeEqual(generateNtResponse(cred.challenge, cred.peerChallenge, username, hash), cred.ntResponse);
    }
    default:
      return false;
  }
}

function subscriberNtHash(sub: SubscriberRecord): Buffer | undefined {
  return sub.ntHash ?? (sub.password !== undefined ? ntPasswordHash(sub.password) : undefined);
}

/** MACs arrive as "AA-BB-..", "aa:bb:..", "aabb.cc.."; compare hex digits only. */
export function normalizeMac(mac: string): string {
  return mac.toLowerCase().replace(/[^0-9a-f]/g, "");
}

/**
 * The in-memory PAP/CHAP path runs without a closure or promise per packet (profiles showed
 * them, and tsx's name-keeping wrappers around each closure); an asynchronous data source, pool
 * allocation or MAC lock continues through promises.
 */
export function evaluateAccessRequest(
  packet: DecodedPacket,
  nas: NasRecord,
  source: RadiusDataSource,
  options: AuthOptions,
): MaybePromise<AuthDecision> {
  const username = rawString(packet, Attr.UserName) ?? "";
  const callingStationId = rawString(packet, Attr.CallingStationId);
  const cred = credentials(packet, nas.secret);
  const req: Request = { packet, nas, source, options, username, callingStationId, cred };
  if (username === "") return reject(req, "unknown_user");
  if (cred.method === "none") return reject(req, "unsupported_method");
  const found = source.findSubscriber(nas.tenantId, username);
  return found instanceof Promise ? found.then((sub) => decide(req, sub)) : decide(req, found);
}

interface Request {
  packet: DecodedPacket;
  nas: NasRecord;
  source: RadiusDataSource;
  options: AuthOptions;
  username: string;
  callingStationId: string | undefined;
  cred: Credentials;
}

function reject(req: Request, reason: RejectReason): AuthDecision {
  const { cred } = req;
  const attributes: AttributeList = [["Reply-Message", REJECT_MESSAGES[reason]]];
  if (cred.method === "mschapv2") {
    // E=691 "authentication failure", R=0 no retry (RFC 2759 6).
    const err = Buffer.concat([Buffer.from([cred.ident]), Buffer.from("E=691 R=0 V=3", "ascii")]);
    attributes.push(["Vendor-Specific", MICROSOFT, [["MS-CHAP-Error", err]]]);
  }
  const decision: AuthDecision = {
    code: Code.AccessReject,
    attributes,
    method: cred.method,
    username: req.username,
    reason,
  };
  if (req.callingStationId !== undefined) decision.callingStationId = req.callingStationId;
  return decision;
}

function decide(req: Request, sub: SubscriberRecord | undefined): MaybePromise<AuthDecision> {
  const { nas, source, username, callingStationId, cred } = req;
  if (!sub) return reject(req, "unknown_user");
  // Password first, so a guesser learns nothing about the account's state.
  if (!passwordMatches(sub, cred, username)) return reject(req, "wrong_password");
  if (sub.denied) return reject(req, sub.denied);
  if (sub.status === "expired") return reject(req, "expired");
  // Suspended for non-payment into the tenant's walled garden: admitted, at the garden's profile only.
  const garden = sub.status === "disabled" ? sub.walledGarden : undefined;
  if (sub.status !== "active" && !garden) return reject(req, "disabled");
  const now = req.options.now?.() ?? new Date();
  if (sub.expiresAt && sub.expiresAt.getTime() <= now.getTime()) return reject(req, "expired");
  let binding: MaybePromise<void> | undefined;
  if (sub.macBinding) {
    if (!callingStationId || normalizeMac(callingStationId) !== normalizeMac(sub.macBinding)) {
      return reject(req, "mac_mismatch");
    }
  } else if (sub.lockMacOnFirstLogin && callingStationId) {
    binding = source.bindMac?.(nas.tenantId, username, callingStationId);
  }
  let rateLimit = garden ? garden.rateLimit : (sub.rateLimit ?? undefined);
  if (sub.quotaExhausted && !garden) {
    if (!sub.quotaThrottleRateLimit) return reject(req, "quota");
    rateLimit = sub.quotaThrottleRateLimit;
  }
  if (sub.simultaneousUse && source.openSessions) {
    // A session unheard of for 3 interim intervals is presumed dead (its Stop was lost), as the
    // worker's stale-session sweep does; it must not lock the account out until then.
    const interim = sub.interimInterval ?? req.options.defaultInterimInterval;
    const open = source.openSessions(nas.tenantId, username, new Date(now.getTime() - 3 * interim * 1000));
    if (open.length >= sub.simultaneousUse) {
      if (sub.simultaneousUseAction !== "disconnect_oldest" || !source.disconnectSessions) {
        return reject(req, "simultaneous_use");
      }
      source.disconnectSessions(nas.tenantId, open.slice(0, open.length - sub.simultaneousUse + 1));
    }
  }
  const tenantId = nas.tenantId;
  const pooled =
    !sub.framedIp && sub.framedPool && source.allocateIp
      ? source.allocateIp(tenantId, sub.framedPool, username)
      : (sub.framedIp ?? undefined);
  const v6 =
    !sub.framedIpv6Prefix && sub.framedIpv6Pool && source.allocateIpv6
      ? source.allocateIpv6(tenantId, sub.framedIpv6Pool, username)
      : (sub.framedIpv6Prefix ?? undefined);
  const pd =
    !sub.delegatedIpv6Prefix && sub.delegatedIpv6Pool && source.allocateIpv6
      ? source.allocateIpv6(tenantId, sub.delegatedIpv6Pool, username)
      : (sub.delegatedIpv6Prefix ?? undefined);
  // A voucher's validity starts at its first accepted login. That login is recorded before the
  // Accept, since an unused voucher may be deleted and refunded in the meantime; only a voucher
  // never used asks, so its later logins stay free of queries.
  const started = sub.voucherFirstUse ? source.voucherFirstUse?.(tenantId, username, now) : undefined;
  if (
    !(binding instanceof Promise) &&
    !(pooled instanceof Promise) &&
    !(v6 instanceof Promise) &&
    !(pd instanceof Promise) &&
    !(started instanceof Promise)
  ) {
    if (started === false) return reject(req, "voucher_deleted");
    return accept(req, sub, now, rateLimit, { framedIp: pooled, framedIpv6Prefix: v6, delegatedIpv6Prefix: pd });
  }
  return Promise.all([binding, pooled, v6, pd, started]).then(
    ([, framedIp, framedIpv6Prefix, delegatedIpv6Prefix, exists]) =>
      exists === false
        ? reject(req, "voucher_deleted")
        : accept(req, sub, now, rateLimit, { framedIp, framedIpv6Prefix, delegatedIpv6Prefix }),
  );
}

interface Addresses {
  framedIp: string | undefined;
  framedIpv6Prefix: string | undefined;
  delegatedIpv6Prefix: string | undefined;
}

function accept(
  req: Request,
  sub: SubscriberRecord,
  now: Date,
  rateLimit: string | undefined,
  addresses: Addresses,
): AuthDecision {
  const { cred, username } = req;
  const { framedIp } = addresses;
  const attributes: AttributeList = [];
  if (rateLimit) attributes.push(["Vendor-Specific", MIKROTIK, [["Mikrotik-Rate-Limit", rateLimit]]]);
  const garden = sub.status === "disabled" ? sub.walledGarden : undefined;
  if (garden?.addressList) {
    attributes.push(["Vendor-Specific", MIKROTIK, [["Mikrotik-Address-List", garden.addressList]]]);
  }
  if (garden?.filterId) attributes.push(["Filter-Id", garden.filterId]);
  if (framedIp) attributes.push(["Framed-IP-Address", framedIp]);
  // The radius package cannot encode ipv6prefix values; they go as the RFC 3162 octets.
  const v6 = addresses.framedIpv6Prefix && prefixAttribute(addresses.framedIpv6Prefix);
  if (v6) attributes.push(["Framed-IPv6-Prefix", v6]);
  const pd = addresses.delegatedIpv6Prefix && prefixAttribute(addresses.delegatedIpv6Prefix);
  if (pd) attributes.push(["Delegated-IPv6-Prefix", pd]);
  const timeout = sessionTimeout(sub, now);
  if (timeout !== undefined) attributes.push(["Session-Timeout", timeout]);
  if (sub.dataLeft) attributes.push(["Vendor-Specific", MIKROTIK, totalLimit(sub.dataLeft)]);
  attributes.push(["Acct-Interim-Interval", sub.interimInterval ?? req.options.defaultInterimInterval]);
  if (cred.method === "mschapv2") {
    attributes.push(["Vendor-Specific", MICROSOFT, msChapAccept(cred, sub, username, req.nas, req.packet)]);
  }
  const decision: AuthDecision = { code: Code.AccessAccept, attributes, method: cred.method, username };
  if (framedIp !== undefined) decision.framedIp = framedIp;
  if (req.callingStationId !== undefined) decision.callingStationId = req.callingStationId;
  return decision;
}

function msChapAccept(
  cred: Extract<Credentials, { method: "mschapv2" }>,
  sub: SubscriberRecord,
  username: string,
  nas: NasRecord,
  packet: DecodedPacket,
): AttributeList {
  const hash = subscriberNtHash(sub) ?? Buffer.alloc(16);
  const success = generateAuthenticatorResponse(hash, cred.ntResponse, cred.peerChallenge, cred.challenge, username);
  const keys = mppeKeys(hash, cred.ntResponse);
  // RFC 2548 2.4.2: each key in one packet needs its own salt.
  const salt = randomBytes(2);
  const otherSalt = Buffer.from([salt[0] ?? 0, (salt[1] ?? 0) ^ 1]);
  return [
    ["MS-CHAP2-Success", Buffer.concat([Buffer.from([cred.ident]), Buffer.from(success, "ascii")])],
    ["MS-MPPE-Recv-Key", encryptMppeKey(keys.recv, nas.secret, packet.authenticator, salt)],
    ["MS-MPPE-Send-Key", encryptMppeKey(keys.send, nas.secret, packet.authenticator, otherSalt)],
    ["MS-MPPE-Encryption-Policy", 1],
    ["MS-MPPE-Encryption-Types", 6],
  ];
}
