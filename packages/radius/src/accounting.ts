import { type DecodedPacket, numberAttr, stringAttr } from "./codec.ts";
import type { AccountingRecord, AcctStatus, NasRecord } from "./data-source.ts";

const STATUS_BY_NUMBER: Record<number, AcctStatus> = {
  1: "Start",
  2: "Stop",
  3: "Interim-Update",
  7: "Accounting-On",
  8: "Accounting-Off",
};
const STATUSES = new Set<string>(Object.values(STATUS_BY_NUMBER));

function status(attrs: Record<string, unknown>): AcctStatus | undefined {
  const v = attrs["Acct-Status-Type"];
  if (typeof v === "number") return STATUS_BY_NUMBER[v];
  return typeof v === "string" && STATUSES.has(v) ? (v as AcctStatus) : undefined;
}

function octets(attrs: Record<string, unknown>, low: string, high: string): number | undefined {
  const lo = numberAttr(attrs, low);
  if (lo === undefined) return undefined;
  return (numberAttr(attrs, high) ?? 0) * 2 ** 32 + lo;
}

/** Undefined for a status we do not record (Failed, tunnel events, missing). */
export function parseAccounting(
  packet: DecodedPacket,
  nas: NasRecord,
  nasAddress: string,
  receivedAt: Date,
): AccountingRecord | undefined {
  const a = packet.attributes;
  const st = status(a);
  if (!st) return undefined;
  const record: AccountingRecord = { tenantId: nas.tenantId, nasId: nas.nasId, nasAddress, status: st, receivedAt };
  const set = <K extends keyof AccountingRecord>(key: K, value: AccountingRecord[K] | undefined) => {
    if (value !== undefined) record[key] = value;
  };
  set("sessionId", stringAttr(a, "Acct-Session-Id"));
  set("uniqueSessionId", stringAttr(a, "Acct-Multi-Session-Id"));
  set("username", stringAttr(a, "User-Name"));
  set("nasIpAddress", stringAttr(a, "NAS-IP-Address"));
  set("nasPortId", stringAttr(a, "NAS-Port-Id"));
  set("framedIp", stringAttr(a, "Framed-IP-Address"));
  set("callingStationId", stringAttr(a, "Calling-Station-Id"));
  set("sessionTime", numberAttr(a, "Acct-Session-Time"));
  set("inputOctets", octets(a, "Acct-Input-Octets", "Acct-Input-Gigawords"));
  set("outputOctets", octets(a, "Acct-Output-Octets", "Acct-Output-Gigawords"));
  set("inputPackets", numberAttr(a, "Acct-Input-Packets"));
  set("outputPackets", numberAttr(a, "Acct-Output-Packets"));
  set("delayTime", numberAttr(a, "Acct-Delay-Time"));
  const cause = a["Acct-Terminate-Cause"];
  if (typeof cause === "string" || typeof cause === "number") record.terminateCause = String(cause);
  return record;
}
