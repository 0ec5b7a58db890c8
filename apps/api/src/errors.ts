import { databaseUnavailable, PG_QUERY_CANCELED, pgError } from "@proxpanel/db";
import { TenancyError, type TenancyErrorCode } from "@proxpanel/tenancy";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./env.ts";

export const ErrorCode = {
  validation: "validation_error",
  /** A Host header (or absolute-form target) that is malformed, repeated or names no host. */
  badHost: "bad_host",
  unauthorized: "unauthorized",
  tokenExpired: "token_expired",
  totpRequired: "totp_required",
  forbidden: "forbidden",
  moduleDisabled: "module_disabled",
  quotaExceeded: "quota_exceeded",
  backupQuotaExceeded: "backup_quota_exceeded",
  backupKeyMismatch: "backup_key_mismatch",
  backupArchiveInvalid: "backup_archive_invalid",
  planRestriction: "plan_restriction",
  tenantSuspended: "tenant_suspended",
  tenantMigrated: "tenant_migrated",
  notFound: "not_found",
  conflict: "conflict",
  insufficientBalance: "insufficient_balance",
  poolExhausted: "pool_exhausted",
  rateLimited: "rate_limited",
  payloadTooLarge: "payload_too_large",
  unsupportedMediaType: "unsupported_media_type",
  unavailable: "service_unavailable",
  tenantBusy: "tenant_busy",
  queryTimeout: "query_timeout",
  databaseUnavailable: "database_unavailable",
  internal: "internal_error",
  webhookSignatureInvalid: "webhook_signature_invalid",
  webhookTimestampStale: "webhook_timestamp_stale",
  billingTenantUnknown: "billing_tenant_unknown",
  billingCustomerConflict: "billing_customer_conflict",
  resetTokenInvalid: "reset_token_invalid",
  /** The tenant switched the self-care portal, or this action of it, off. */
  portalDisabled: "portal_disabled",
  /** No payment provider is set up (or enabled) for what was asked. */
  paymentProviderUnavailable: "payment_provider_unavailable",
  /** The payment provider refused or could not be reached (502). */
  paymentProviderError: "payment_provider_error",
  /** The NAS answered a Disconnect/CoA with a NAK (502). */
  nasRejected: "nas_rejected",
  /** The NAS did not answer a Disconnect/CoA in time, or could not be reached (504). */
  nasNoAnswer: "nas_no_answer",
  /** No SMS gateway is set up, or it is switched off (409). */
  smsNotConfigured: "sms_not_configured",
  /** The SMS gateway refused a test message or could not be reached (502). */
  smsGatewayError: "sms_gateway_error",
  /** The tenant asks for a phone code at portal sign-in and the subscriber has no phone (403). */
  otpNoPhone: "otp_no_phone",
  /** A portal sign-in code that is wrong, expired, used, tried too often or not this tenant's (401). */
  otpInvalid: "otp_invalid",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error type handlers throw; `onError` turns it into the stable JSON body. */
export class AppError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode | TenancyErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message });
  }
}

export const notFound = (what = "Not found") => new AppError(404, ErrorCode.notFound, what);
export const unauthorized = (message = "Authentication required") => new AppError(401, ErrorCode.unauthorized, message);
export const forbidden = (message = "You do not have permission to do this") =>
  new AppError(403, ErrorCode.forbidden, message);

const TENANCY_STATUS: Record<TenancyErrorCode, ContentfulStatusCode> = {
  invalid_slug: 400,
  reserved_slug: 400,
  unknown_plan: 400,
  invalid_state: 409,
  slug_taken: 409,
  domain_taken: 409,
  tenant_not_found: 404,
  // Plain PostgreSQL, or a schema that is not a distributed one: nothing to move.
  not_distributed: 409,
  unknown_node: 400,
};

export function errorBody(c: Context<AppEnv>, code: string, message: string, details?: unknown) {
  return {
    error: { code, message, requestId: c.get("requestId") ?? null, ...(details === undefined ? {} : { details }) },
  };
}

export function onError(err: Error, c: Context<AppEnv>) {
  if (err instanceof TenancyError) {
    return c.json(errorBody(c, err.code, err.message), TENANCY_STATUS[err.code]);
  }
  if (err instanceof AppError) {
    for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
    return c.json(errorBody(c, err.code, err.message, err.details), err.status);
  }
  if (databaseUnavailable(err)) {
    c.get("logger")?.warn({ err: String(err) }, "database unavailable");
    c.header("Retry-After", "5");
    return c.json(
      errorBody(c, ErrorCode.databaseUnavailable, "The database is unavailable right now; try again in a few seconds."),
      503,
    );
  }
  if (pgError(err)?.code === PG_QUERY_CANCELED) {
    // statement_timeout fired: the work was cancelled and its transaction rolled back.
    return c.json(errorBody(c, ErrorCode.queryTimeout, "This request took too long and was cancelled."), 503);
  }
  if (err instanceof HTTPException) {
    // Hono's own refusals (e.g. a body over the size limit) keep their status but get our shape.
    const status = err.status as ContentfulStatusCode;
    const code =
      status === 413 ? ErrorCode.payloadTooLarge : status === 401 ? ErrorCode.unauthorized : ErrorCode.validation;
    return c.json(errorBody(c, code, err.message || "Bad request"), status);
  }
  c.get("logger")?.error({ err }, "unhandled error");
  return c.json(errorBody(c, ErrorCode.internal, "Something went wrong on our side."), 500);
}
