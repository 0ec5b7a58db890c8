import { type RadclientReply, radclient } from "@proxpanel/radius/testing/radclient";

/** An Accounting-Request Start for `session`, carrying the session id as Proxy-State (see acknowledged). */
export function acctStart(identifier: string, username: string, session: string): string {
  return [
    `NAS-Identifier = "${identifier}"`,
    `User-Name = "${username}"`,
    "Acct-Status-Type = Start",
    `Acct-Session-Id = "${session}"`,
    `Proxy-State = 0x${Buffer.from(session).toString("hex")}`,
  ].join("\n");
}

/**
 * The Acct-Session-Ids a radclient run got answers for. Each request carries its session id as
 * Proxy-State, which a RADIUS server must copy into its reply (RFC 2865 5.33): radclient's own
 * packet Ids are reused within one run, so they cannot say which request an answer was for.
 */
export function acknowledged(replies: RadclientReply[]): Set<string> {
  const acked = new Set<string>();
  for (const r of replies) {
    if (r.code !== "Accounting-Response") continue;
    for (const hex of r.attributes["Proxy-State"] ?? []) acked.add(Buffer.from(hex.slice(2), "hex").toString("utf8"));
  }
  return acked;
}

/** One NAS send of Starts for `sessions` to `port`; the answered ones. */
export async function sendStarts(
  port: number,
  nas: { identifier: string; secret: string; username: string },
  sessions: string[],
  opts: { retries?: number; timeoutSeconds?: number } = {},
): Promise<Set<string>> {
  const r = await radclient({
    port,
    type: "acct",
    secret: nas.secret,
    ...opts,
    packets: sessions.map((s) => acctStart(nas.identifier, nas.username, s)),
  });
  return acknowledged(r.replies);
}
