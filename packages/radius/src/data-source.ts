/**
 * What the daemon needs from the rest of ProxPanel. The in-memory implementation
 * (memory-source.ts) serves tests and the demo; the database-backed one keeps the same
 * shape and answers from memory too (the hot path must not wait on PostgreSQL per packet).
 */

/** An answer from memory, or a promise where the database must be asked. */
export type MaybePromise<T> = T | Promise<T>;

export interface NasRecord {
  nasId: string;
  tenantId: string;
  secret: string;
  /** Access-Requests without a valid Message-Authenticator are dropped (default on). */
  requireMessageAuthenticator: boolean;
  /** Where Disconnect/CoA requests go (RFC 5176 default 3799). */
  coaPort?: number;
  /** A packet from this NAS has already proved its secret (the claim on its address is verified). */
  verified?: boolean;
}

export type SubscriberStatus = "active" | "disabled" | "expired";

/** Refusals that come from the tenant, not the account: the password is still checked first. */
export type TenantDenial = "tenant_inactive" | "over_cap";

/**
 * A hotspot voucher past its validity, or with its time or data allowance spent; or deleted (its
 * unused row removed and refunded) while the daemon still held it when its first login came.
 */
export type VoucherDenial = "voucher_expired" | "voucher_used_up" | "voucher_deleted";

export interface SubscriberRecord {
  username: string;
  /** Cleartext password; needed for CHAP. */
  password?: string;
  /** MD4 of the UTF-16LE password; enough for PAP and MS-CHAPv2. */
  ntHash?: Buffer;
  status: SubscriberStatus;
  expiresAt?: Date | null;
  /** Calling-Station-Id (MAC) the account is bound to; null = not bound. */
  macBinding?: string | null;
  /** Bind to the first MAC seen when no binding exists yet. */
  lockMacOnFirstLogin?: boolean;
  /** Plan rate limit in MikroTik syntax, e.g. "10M/20M". */
  rateLimit?: string | null;
  /** Static address; otherwise one is asked for from `framedPool`. */
  framedIp?: string | null;
  framedPool?: string | null;
  /** Static IPv6 prefixes ("2001:db8:1::/64"); otherwise asked for from the IPv6 pools. */
  framedIpv6Prefix?: string | null;
  framedIpv6Pool?: string | null;
  delegatedIpv6Prefix?: string | null;
  delegatedIpv6Pool?: string | null;
  /** Open sessions allowed at once; null/undefined = unlimited. */
  simultaneousUse?: number | null;
  /** Over the limit: refuse the login (default), or admit it and disconnect the oldest sessions. */
  simultaneousUseAction?: "reject" | "disconnect_oldest";
  /** Data quota used up for this period. */
  quotaExhausted?: boolean;
  /** When set, an exhausted quota throttles to this rate instead of rejecting. */
  quotaThrottleRateLimit?: string | null;
  /** Suspended for non-payment where the tenant admits such accounts into a walled garden. */
  walledGarden?: WalledGarden | null;
  /** Seconds; falls back to the server default. */
  interimInterval?: number | null;
  /** Seconds of online time left (a voucher's time limit); Session-Timeout is never longer. */
  sessionTimeLeft?: number | null;
  /** Bytes left (a voucher's data limit), sent as the session's Mikrotik-Total-Limit. */
  dataLeft?: number | null;
  /** A voucher never used: its first accepted login starts its validity (`voucherFirstUse`). */
  voucherFirstUse?: boolean;
  /** Set when the tenant may not admit this account (suspended, or beyond its subscriber cap). */
  denied?: TenantDenial | VoucherDenial;
}

/** The restricted profile an account suspended for non-payment gets instead of a reject. */
export interface WalledGarden {
  /** MikroTik rate limit, e.g. "256k/256k". */
  rateLimit: string;
  /** Mikrotik-Address-List for the NAS's firewall; empty: not sent. */
  addressList: string;
  /** Filter-Id naming a filter on the NAS; empty: not sent. */
  filterId: string;
}

export type RejectReason =
  | VoucherDenial
  | "unknown_user"
  | "wrong_password"
  | "disabled"
  | "expired"
  | "mac_mismatch"
  | "quota"
  | "unsupported_method"
  | "simultaneous_use"
  | TenantDenial;

export type AuthMethod = "pap" | "chap" | "mschapv2" | "none";

export interface AuthResult {
  tenantId: string;
  nasId: string;
  username: string;
  method: AuthMethod;
  accepted: boolean;
  reason?: RejectReason;
  callingStationId?: string;
  framedIp?: string;
  at: Date;
}

export interface OpenSessionRef {
  nasId: string;
  sessionId: string;
  username: string;
  framedIp?: string | null;
  startTime: Date;
}

export type AcctStatus = "Start" | "Stop" | "Interim-Update" | "Accounting-On" | "Accounting-Off";

export interface AccountingRecord {
  tenantId: string;
  nasId: string;
  /** UDP source address of the NAS */
  nasAddress: string;
  status: AcctStatus;
  sessionId?: string;
  uniqueSessionId?: string;
  username?: string;
  nasIpAddress?: string;
  nasPortId?: string;
  framedIp?: string;
  framedIpv6Prefix?: string;
  delegatedIpv6Prefix?: string;
  framedInterfaceId?: string;
  callingStationId?: string;
  sessionTime?: number;
  /** octets including the Gigawords multiplier */
  inputOctets?: number;
  outputOctets?: number;
  inputPackets?: number;
  outputPackets?: number;
  terminateCause?: string;
  delayTime?: number;
  receivedAt: Date;
}

export interface RadiusDataSource {
  /**
   * The NAS a packet comes from. `nasIdentifier` matters only when several NAS share one
   * source address; return undefined for unknown or ambiguous senders (they are dropped).
   */
  findNas(address: string, nasIdentifier: string | undefined): MaybePromise<NasRecord | undefined>;
  findSubscriber(tenantId: string, username: string): MaybePromise<SubscriberRecord | undefined>;
  /** Framed-IP from a pool; undefined when the pool is exhausted or unknown. */
  allocateIp?(tenantId: string, pool: string, username: string): MaybePromise<string | undefined>;
  /** An IPv6 prefix of the pool's assignment length; undefined when the pool is exhausted or unknown. */
  allocateIpv6?(tenantId: string, pool: string, username: string): MaybePromise<string | undefined>;
  /**
   * The account's open sessions that are not stale, oldest first, for Simultaneous-Use. Answered
   * from memory: the auth path makes no query per packet.
   */
  openSessions?(tenantId: string, username: string, freshSince: Date): OpenSessionRef[];
  /** Sends Disconnect-Requests for these sessions to their NAS; never delays the answer. */
  disconnectSessions?(tenantId: string, sessions: OpenSessionRef[]): void;
  /** Store the MAC for `lockMacOnFirstLogin`. */
  bindMac?(tenantId: string, username: string, mac: string): MaybePromise<void>;
  /** Per-tenant auth log. Failures here never change the answer to the NAS. */
  recordAuth(result: AuthResult): MaybePromise<void>;
  /**
   * Resolves once the record is durable or safely queued: the Accounting-Response is sent only
   * then, and not at all if this rejects (the NAS retransmits).
   */
  recordAccounting(record: AccountingRecord): Promise<void>;
  /**
   * The first packet from a NAS whose authenticator proved its secret (a valid
   * Message-Authenticator, or an accounting request authenticator). Called once per NAS record;
   * never delays the answer.
   */
  nasVerified?(nas: NasRecord): void;
  /**
   * A voucher's first login at `at`, once every other check has passed: its validity runs from
   * then. Asked only while the voucher was never used (later logins cost nothing), and answered
   * before the Accept goes out, because an unused voucher may be deleted and refunded: false means
   * it no longer exists, and the login is rejected (`voucher_deleted`).
   */
  voucherFirstUse?(tenantId: string, username: string, at: Date): MaybePromise<boolean>;
}
