import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../../tests/harness.ts";
import { createApp } from "./app.ts";

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

  it("describes every route the router serves, and nothing it does not", async () => {
    const doc = (await stack.request("GET", "/api/openapi.json")).body as { paths: Record<string, object> };
    const app = createApp(stack.runtime.deps);
    const served = new Set(
      app.routes
        // Middleware ("ALL") and the panel's catch-all are not API operations.
        .filter((r) => r.method !== "ALL" && r.path !== "/*")
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
    for (const path of ["/api/subscribers/export.csv", "/api/wireguard/host.conf", "/api/branding/custom.css"]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
