/** What the billing service needs from a provider; one adapter per provider. */
export interface BillingProvider {
  readonly name: string;
  /** Throws `BillingSignatureError` unless the raw body was signed with our secret within the tolerance. */
  verify(rawBody: string, headers: Headers, now: Date): void;
  /** The event in provider-neutral terms; called only after `verify`. */
  parse(rawBody: string): BillingEvent;
}

export type BillingEffect =
  /** A subscription starts or changes plan: apply the plan now. */
  | { kind: "plan"; plan: string }
  /** Payment stopped (failed, cancelled, past due): suspend after the grace period. */
  | { kind: "lapse" }
  /** A payment went through: cancels a pending lapse and lifts a billing suspension. */
  | { kind: "paid" }
  /** Events we do not act on (recorded so a redelivery is still a no-op). */
  | { kind: "ignore" };

export interface BillingEvent {
  id: string;
  type: string;
  effect: BillingEffect;
  /** Set when the provider object carries our tenant id in its metadata. */
  tenantId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
}

export class BillingSignatureError extends Error {
  constructor(
    readonly reason: "missing" | "malformed" | "mismatch" | "stale",
    message: string,
  ) {
    super(message);
  }
}
