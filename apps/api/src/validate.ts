import type { ValidationTargets } from "hono";
import { validator } from "hono-openapi";
import { z } from "zod";
import { AppError, ErrorCode } from "./errors.ts";

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined };

const pathOf = (i: Issue) => (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".");

/** PostgreSQL cannot store NUL in text or jsonb: such input is refused here, naming the field. */
function refuseNul(value: unknown, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  if (typeof value === "string") {
    if (value.includes("\u0000")) ctx.addIssue({ code: "custom", path, message: "must not contain a NUL character" });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) refuseNul(v, ctx, [...path, i]);
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) refuseNul(v, ctx, [...path, k]);
  }
}

/**
 * zod validation for any request part, failing with our error shape and every issue listed. The
 * hono-openapi validator also records the schema, so /api/openapi.json describes every input.
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  validator(
    target,
    schema.superRefine((v, ctx) => refuseNul(v, ctx)),
    (result) => {
      if (!result.success) {
        const issues = (result.error as ReadonlyArray<Issue>).map((i) => ({ path: pathOf(i), message: i.message }));
        const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
        throw new AppError(400, ErrorCode.validation, `Invalid ${target}: ${summary}`, issues);
      }
    },
  );

/**
 * A date (2027-01-31) or date-time with a zone (2027-01-31T08:00:00Z, …+03:00) in ISO 8601, and
 * nothing else: `new Date("$1")` would read junk as the year 2001.
 */
export const isoDate = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: "must be an ISO 8601 date or date-time" })
  .transform((s) => new Date(s));
