import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../../tests/harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe("OpenAPI document", () => {
  it("is an OpenAPI 3.1 document generated from the zod schemas of the routes", async () => {
    const res = await stack.request("GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    for (const path of ["/api/signup", "/api/subscribers", "/api/plans/{id}", "/api/saas/tenants/{id}"]) {
      expect(res.body.paths[path], path).toBeDefined();
    }
    const create = res.body.paths["/api/subscribers"].post.requestBody.content["application/json"].schema;
    expect(create.required).toEqual(expect.arrayContaining(["username", "password", "planId"]));
    expect(create.properties.username.pattern).toBeDefined();
  });
});
