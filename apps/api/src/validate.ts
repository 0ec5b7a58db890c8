import type { ValidationTargets } from "hono";
import { validator } from "hono-openapi";
import type { z } from "zod";
import { AppError, ErrorCode } from "./errors.ts";

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined };

const pathOf = (i: Issue) => (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".");

/**
 * zod validation for any request part, failing with our error shape and every issue listed. The
 * hono-openapi validator also records the schema, so /api/openapi.json describes every input.
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  validator(target, schema, (result) => {
    if (!result.success) {
      const issues = (result.error as ReadonlyArray<Issue>).map((i) => ({ path: pathOf(i), message: i.message }));
      const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
      throw new AppError(400, ErrorCode.validation, `Invalid ${target}: ${summary}`, issues);
    }
  });
