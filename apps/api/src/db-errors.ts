import { PG_UNIQUE_VIOLATION, pgError } from "@proxpanel/db";
import { AppError, ErrorCode } from "./errors.ts";

/**
 * A `.catch()` handler that turns a unique violation into a 409 with a message chosen by the
 * violated constraint, and rethrows anything else unchanged.
 */
export function conflictOn(message: string | ((constraint: string | undefined) => string)) {
  return (err: unknown): never => {
    const e = pgError(err);
    if (e?.code === PG_UNIQUE_VIOLATION) {
      throw new AppError(409, ErrorCode.conflict, typeof message === "string" ? message : message(e.constraint_name));
    }
    throw err;
  };
}
