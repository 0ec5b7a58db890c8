import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Stack, startStack } from "../../../tests/harness.ts";
import { createApp } from "./app.ts";
import { jsonResponse } from "./openapi.ts";

type Schema = Record<string, unknown>;
interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/** JSON pointers to every schema in `s` that says nothing (what z.any() and z.unknown() become). */
function emptySchemas(s: unknown, at: string, defs: Record<string, unknown>): string[] {
  if (!s || typeof s !== "object") return [];
  const keys = Object.keys(s).filter((k) => !["description", "title", "default", "examples"].includes(k));
  if (keys.length === 0) return [at];
  const node = s as Schema;
  if (typeof node.$ref === "string") return [];
  return Object.entries(node).flatMap(([k, v]) => {
    if (k === "properties" || k === "$defs")
      return Object.entries(v as Schema).flatMap(([p, ps]) => emptySchemas(ps, `${at}/${k}/${p}`, defs));
    if (k === "items" || k === "additionalProperties") return emptySchemas(v, `${at}/${k}`, defs);
    if (k === "anyOf" || k === "oneOf" || k === "allOf")
      return (v as unknown[]).flatMap((x, i) => emptySchemas(x, `${at}/${k}/${i}`, defs));
    return [];
  });
}

/**
 * Why an operation's success is not described well enough for the panel's typed client, or null:
 * JSON needs a schema that says something at every level; a file, a redirect or a 204 needs its
 * media type (or none) declared.
 */
function undescribed(op: Operation, defs: Record<string, unknown>): string | null {
  const ok = Object.entries(op.responses ?? {}).filter(([code]) => /^[23]\d\d$/.test(code));
  if (ok.length === 0) return "no success response";
  for (const [code, res] of ok) {
    if (code === "204" || code.startsWith("3")) continue;
    const media = Object.entries(res.content ?? {});
    if (media.length === 0) return `${code} without content`;
    for (const [type, { schema }] of media) {
      if (!schema) return `${code} ${type} without a schema`;
      if (!type.includes("json")) continue;
      const empty = emptySchemas(schema, "#", defs);
      if (empty.length) return `${code} ${type} says nothing at ${empty.join(", ")}`;
    }
  }
  return null;
}

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

  it("gives every operation's success a schema, so the panel's client needs no hand-written response types", async () => {
    const doc = (await stack.request("GET", "/api/openapi.json")).body as {
      paths: Record<string, Record<string, Operation>>;
      components?: { schemas?: Record<string, unknown> };
    };
    const defs = doc.components?.schemas ?? {};
    const problems = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => {
        const why = undescribed(op, defs);
        return why ? [`${method.toUpperCase()} ${path}: ${why}`] : [];
      }),
    );
    // No exceptions: a route added or changed describes its answer.
    expect(problems).toEqual([]);
  });

  it("turns an answer off its declared schema into a 500 naming the fields when responses are checked", async () => {
    const previous = process.env.PROXPANEL_CHECK_RESPONSES;
    process.env.PROXPANEL_CHECK_RESPONSES = "1";
    const schema = z.object({ plan: z.object({ id: z.string(), priceCents: z.number().int() }) });
    const app = new Hono()
      .get("/good", jsonResponse(schema, "A plan"), (c) => c.json({ plan: { id: "a", priceCents: 100 } }))
      .get("/bad", jsonResponse(schema, "A plan"), (c) => c.json({ plan: { id: "a", priceCents: "1.00" } }))
      .get("/more", jsonResponse(schema, "A plan"), (c) => c.json({ plan: { id: "a", priceCents: 1, secret: "x" } }));
    if (previous === undefined) delete process.env.PROXPANEL_CHECK_RESPONSES;
    else process.env.PROXPANEL_CHECK_RESPONSES = previous;
    expect((await app.request("/good")).status).toBe(200);
    const bad = await app.request("/bad");
    expect(bad.status).toBe(500);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("response_schema");
    expect(body.error.message).toContain("GET /bad");
    expect(body.error.message).toContain("plan.priceCents");
    // A field the schema does not name is as wrong as a missing one: the client would not know it.
    const more = (await (await app.request("/more")).json()) as { error: { message: string } };
    expect(more.error.message).toContain("plan.secret: not in the schema");
  });
});
