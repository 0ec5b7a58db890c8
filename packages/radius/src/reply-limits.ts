import type { AttributeList } from "./codec.ts";
import type { SubscriberRecord } from "./data-source.ts";

const GIGAWORD = 2 ** 32;

/**
 * Session-Timeout: the seconds until the account expires or its time allowance (a voucher's
 * remaining minutes) runs out, whichever comes first; at least 1, since 0 means "no limit" to
 * some NAS. Undefined when neither applies.
 */
export function sessionTimeout(sub: SubscriberRecord, now: Date): number | undefined {
  let s: number | undefined;
  if (sub.expiresAt) s = Math.floor((sub.expiresAt.getTime() - now.getTime()) / 1000);
  if (sub.sessionTimeLeft != null) s = s === undefined ? sub.sessionTimeLeft : Math.min(s, sub.sessionTimeLeft);
  return s === undefined ? undefined : Math.max(1, s);
}

/**
 * The data allowance left, as MikroTik's session byte limit (upload + download): the low 32 bits
 * in Mikrotik-Total-Limit and the rest in Mikrotik-Total-Limit-Gigawords, as the NAS reads them.
 */
export function totalLimit(bytes: number): AttributeList {
  const attrs: AttributeList = [["Mikrotik-Total-Limit", bytes % GIGAWORD]];
  if (bytes >= GIGAWORD) attrs.push(["Mikrotik-Total-Limit-Gigawords", Math.floor(bytes / GIGAWORD)]);
  return attrs;
}
