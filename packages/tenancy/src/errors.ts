export type TenancyErrorCode =
  | "invalid_slug"
  | "reserved_slug"
  | "slug_taken"
  | "unknown_plan"
  | "tenant_not_found"
  | "invalid_state"
  | "domain_taken"
  | "not_distributed"
  | "unknown_node";

/** A refusal the caller can show as it is; the API maps codes to HTTP statuses. */
export class TenancyError extends Error {
  constructor(
    readonly code: TenancyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
