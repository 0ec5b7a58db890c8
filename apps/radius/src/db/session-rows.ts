import type { AccountingRecord } from "@proxpanel/radius";

/** One radacct row as the batch will write it, folded from every record of that session. */
export interface SessionRow {
  acctUniqueId: string;
  acctSessionId: string;
  username: string;
  subscriberId: string | null;
  nasId: string;
  nasIpAddress: string;
  nasPortId: string | null;
  framedIpAddress: string | null;
  framedIpv6Prefix: string | null;
  delegatedIpv6Prefix: string | null;
  framedInterfaceId: string | null;
  callingStationId: string | null;
  startTime: Date;
  updateTime: Date;
  stopTime: Date | null;
  sessionTime: number;
  inputOctets: number;
  outputOctets: number;
  terminateCause: string | null;
}

/**
 * Session id alone is not unique: MikroTik restarts its counter on reboot, and several NAS may
 * hand out the same id. NAS + user + session id is.
 */
export const sessionKey = (r: Pick<AccountingRecord, "nasId" | "username" | "sessionId">) =>
  `${r.nasId}/${(r.username ?? "").toLowerCase()}/${r.sessionId ?? ""}`;

export function toRow(r: AccountingRecord, subscriberId: string | null): SessionRow {
  // Acct-Delay-Time says how long the NAS held the record before this send.
  const at = new Date(r.receivedAt.getTime() - (r.delayTime ?? 0) * 1000);
  const sessionTime = r.sessionTime ?? 0;
  return {
    acctUniqueId: sessionKey(r),
    acctSessionId: r.sessionId ?? "",
    username: r.username ?? "",
    subscriberId,
    nasId: r.nasId,
    nasIpAddress: r.nasIpAddress ?? r.nasAddress,
    nasPortId: r.nasPortId ?? null,
    framedIpAddress: r.framedIp ?? null,
    framedIpv6Prefix: r.framedIpv6Prefix ?? null,
    delegatedIpv6Prefix: r.delegatedIpv6Prefix ?? null,
    framedInterfaceId: r.framedInterfaceId ?? null,
    callingStationId: r.callingStationId ?? null,
    startTime: r.status === "Start" ? at : new Date(at.getTime() - sessionTime * 1000),
    updateTime: at,
    stopTime: r.status === "Stop" ? at : null,
    sessionTime,
    inputOctets: r.inputOctets ?? 0,
    outputOctets: r.outputOctets ?? 0,
    terminateCause: r.terminateCause ?? null,
  };
}

/** Folds a later record of the same session in; counters only grow, whatever the arrival order. */
export function mergeRow(a: SessionRow, b: SessionRow): SessionRow {
  return {
    ...a,
    subscriberId: a.subscriberId ?? b.subscriberId,
    nasPortId: b.nasPortId ?? a.nasPortId,
    framedIpAddress: b.framedIpAddress ?? a.framedIpAddress,
    framedIpv6Prefix: b.framedIpv6Prefix ?? a.framedIpv6Prefix,
    delegatedIpv6Prefix: b.delegatedIpv6Prefix ?? a.delegatedIpv6Prefix,
    framedInterfaceId: b.framedInterfaceId ?? a.framedInterfaceId,
    callingStationId: b.callingStationId ?? a.callingStationId,
    startTime: earlier(a.startTime, b.startTime),
    updateTime: later(a.updateTime, b.updateTime),
    stopTime: a.stopTime ?? b.stopTime,
    sessionTime: Math.max(a.sessionTime, b.sessionTime),
    inputOctets: Math.max(a.inputOctets, b.inputOctets),
    outputOctets: Math.max(a.outputOctets, b.outputOctets),
    terminateCause: b.terminateCause ?? a.terminateCause,
  };
}

const earlier = (a: Date, b: Date): Date => (b.getTime() < a.getTime() ? b : a);
const later = (a: Date, b: Date): Date => (b.getTime() > a.getTime() ? b : a);
