import { expect } from "vitest";
import type { Response } from "./harness.ts";

/** The error body every failure shares: status, code, a message, the request id echoed in X-Request-Id. */
export function expectError(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  const { details: _details, ...rest } = res.body.error;
  expect(Object.keys(rest).sort()).toEqual(["code", "message", "requestId"]);
  expect(typeof rest.message).toBe("string");
  expect(rest.requestId).toBe(res.headers["x-request-id"]);
}
