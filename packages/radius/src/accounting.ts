import radius from "radius";
import { type DecodedPacket, rawValue } from "./codec.ts";
import type { AccountingRecord, AcctStatus, NasRecord } from "./data-source.ts";
import { readInterfaceId, readPrefixAttribute } from "./ipv6.ts";

const STATUS_BY_NUMBER: Record<number, AcctStatus> = {
  1: "Start",
  2: "Stop",
  3: "Interim-Update",
  7: "Accounting-On",
  8: "Accounting-Off",
};

// RFC 2865/2866/2869 attribute numbers of what a radacct row needs.
const A = {
  UserName: 1,
  NasIpAddress: 4,
  FramedIpAddress: 8,
  CallingStationId: 31,
  StatusType: 40,
  DelayTime: 41,
  InputOctets: 42,
  OutputOctets: 43,
  SessionId: 44,
  SessionTime: 46,
  InputPackets: 47,
  OutputPackets: 48,
  TerminateCause: 49,
  MultiSessionId: 50,
  InputGigawords: 52,
  OutputGigawords: 53,
  NasPortId: 87,
  FramedInterfaceId: 96,
  FramedIpv6Prefix: 97,
  DelegatedIpv6Prefix: 123,
} as const;

// The package keeps its dictionary private; `_attr_to(id, vendor, 3)` is its value → name table,
// read once so terminate causes keep the dictionary's names ("User-Request").
const dict = radius as unknown as {
  load_dictionaries(): void;
  _attr_to(attr: string | number, vendor: number | undefined, field: number): unknown;
};
let causeNames: Record<string, string> | undefined;
function terminateCauseName(n: number): string {
  if (!causeNames) {
    dict.load_dictionaries();
    causeNames = (dict._attr_to(A.TerminateCause, undefined, 3) ?? {}) as Record<string, string>;
  }
  return causeNames[String(n)] ?? String(n);
}

const ints: Array<number | undefined> = new Array(A.NasPortId + 1).fill(undefined);
const strs: Array<string | undefined> = new Array(A.NasPortId + 1).fill(undefined);

/**
 * Undefined for a status we do not record (Failed, tunnel events, missing). Reads the raw
 * attributes in one pass: the package's dictionary decoder was most of the daemon's CPU per
 * accounting packet. First value wins for repeated attributes, as before; an integer or address
 * attribute of the wrong length reads as absent.
 */
export function parseAccounting(
  packet: DecodedPacket,
  nas: NasRecord,
  nasAddress: string,
  receivedAt: Date,
): AccountingRecord | undefined {
  // Reused tables indexed by attribute number (a fresh sparse array per packet showed as garbage).
  ints.fill(undefined);
  strs.fill(undefined);
  const data = packet.data;
  // IPv6 attributes are rare next to the counters: kept out of the per-number tables.
  let ifid: string | undefined;
  let v6: string | undefined;
  let pd: string | undefined;
  for (const a of packet.raw) {
    const t = a.type;
    switch (t) {
      case A.FramedInterfaceId:
        ifid ??= readInterfaceId(rawValue(packet, a));
        break;
      case A.FramedIpv6Prefix:
        v6 ??= readPrefixAttribute(rawValue(packet, a));
        break;
      case A.DelegatedIpv6Prefix:
        pd ??= readPrefixAttribute(rawValue(packet, a));
        break;
      case A.UserName:
      case A.CallingStationId:
      case A.SessionId:
      case A.MultiSessionId:
      case A.NasPortId:
        if (strs[t] === undefined && a.length > 0) strs[t] = data.toString("utf8", a.offset, a.offset + a.length);
        break;
      case A.NasIpAddress:
      case A.FramedIpAddress:
        if (strs[t] === undefined && a.length === 4) strs[t] = rawValue(packet, a).join(".");
        break;
      case A.StatusType:
      case A.DelayTime:
      case A.InputOctets:
      case A.OutputOctets:
      case A.SessionTime:
      case A.InputPackets:
      case A.OutputPackets:
      case A.TerminateCause:
      case A.InputGigawords:
      case A.OutputGigawords:
        if (ints[t] === undefined && a.length === 4) ints[t] = data.readUInt32BE(a.offset);
        break;
    }
  }
  const st = ints[A.StatusType];
  const status = st === undefined ? undefined : STATUS_BY_NUMBER[st];
  if (!status) return undefined;
  const record: AccountingRecord = { tenantId: nas.tenantId, nasId: nas.nasId, nasAddress, status, receivedAt };
  if (strs[A.SessionId] !== undefined) record.sessionId = strs[A.SessionId];
  if (strs[A.MultiSessionId] !== undefined) record.uniqueSessionId = strs[A.MultiSessionId];
  if (strs[A.UserName] !== undefined) record.username = strs[A.UserName];
  if (strs[A.NasIpAddress] !== undefined) record.nasIpAddress = strs[A.NasIpAddress];
  if (strs[A.NasPortId] !== undefined) record.nasPortId = strs[A.NasPortId];
  if (strs[A.FramedIpAddress] !== undefined) record.framedIp = strs[A.FramedIpAddress];
  if (v6 !== undefined) record.framedIpv6Prefix = v6;
  if (pd !== undefined) record.delegatedIpv6Prefix = pd;
  if (ifid !== undefined) record.framedInterfaceId = ifid;
  if (strs[A.CallingStationId] !== undefined) record.callingStationId = strs[A.CallingStationId];
  if (ints[A.SessionTime] !== undefined) record.sessionTime = ints[A.SessionTime];
  const inOctets = ints[A.InputOctets];
  if (inOctets !== undefined) record.inputOctets = (ints[A.InputGigawords] ?? 0) * 2 ** 32 + inOctets;
  const outOctets = ints[A.OutputOctets];
  if (outOctets !== undefined) record.outputOctets = (ints[A.OutputGigawords] ?? 0) * 2 ** 32 + outOctets;
  if (ints[A.InputPackets] !== undefined) record.inputPackets = ints[A.InputPackets];
  if (ints[A.OutputPackets] !== undefined) record.outputPackets = ints[A.OutputPackets];
  if (ints[A.DelayTime] !== undefined) record.delayTime = ints[A.DelayTime];
  const cause = ints[A.TerminateCause];
  if (cause !== undefined) record.terminateCause = terminateCauseName(cause);
  return record;
}
