import { tenantTables } from "@proxpanel/db/tenant/factory";
import type { Table } from "drizzle-orm";
import { type BuildSchema, createSelectSchema } from "drizzle-zod";
import type { MiddlewareHandler } from "hono";
import { describeRoute, resolver, uniqueSymbol } from "hono-openapi";
import { z } from "zod";

/**
 * Response descriptions for /api/openapi.json, from which the panel's typed client is generated
 * (apps/panel/src/api/schema.d.ts). openapi.test.ts fails for a route whose success has no schema.
 */

/**
 * One tenant's tables, only to read their column shapes: a row schema follows the table, so a column
 * added by a migration is described without anyone editing a response schema. Never queried.
 */
export const docTables = tenantTables("tenant_template");

type DateLike = z.ZodDate | z.ZodNullable<z.ZodDate>;
type AsJson<S> =
  S extends z.ZodNullable<z.ZodDate> ? z.ZodNullable<z.ZodISODateTime> : S extends z.ZodDate ? z.ZodISODateTime : S;
type Shape<T extends Table> = BuildSchema<"select", T["_"]["columns"], undefined, undefined>["shape"];

const asJson = (s: z.ZodType): z.ZodType => {
  if (s instanceof z.ZodDate) return z.iso.datetime();
  if (s instanceof z.ZodNullable && s.unwrap() instanceof z.ZodDate) return z.iso.datetime().nullable();
  return s;
};

/**
 * A table row as c.json sends it: every column, timestamps as ISO 8601 strings (Date#toJSON).
 * Pick or omit columns with zod's own .pick/.omit (secrets never leave a service).
 */
export function rowSchema<T extends Table>(table: T) {
  const shape = createSelectSchema(table).shape as Record<string, z.ZodType>;
  const out = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, asJson(v)]));
  return z.object(out) as unknown as z.ZodObject<{
    [K in keyof Shape<T>]: Shape<T>[K] extends DateLike ? AsJson<Shape<T>[K]> : Shape<T>[K];
  }>;
}

/** What every paged list endpoint answers (pagination.ts). */
export const pageOf = <S extends z.ZodType>(item: S) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), limit: z.number().int() });

/** Keyset-paged lists (audit log, outbox): the next page starts below nextCursor. */
export const keysetOf = <S extends z.ZodType>(item: S) =>
  z.object({ items: z.array(item), nextCursor: z.number().int().nullable() });

const jsonContent = (schema: z.ZodType) => ({ "application/json": { schema: resolver(schema) } });

type Described = { summary?: string; security?: [] };

/**
 * With PROXPANEL_CHECK_RESPONSES=1 (the API test suites set it) every JSON answer of the declared
 * status is parsed with its schema, and a mismatch becomes a 500 naming the route and the fields:
 * the document cannot drift from what the services really return.
 */
type Status = 200 | 201 | 202;

/** Paths of fields the answer has and its schema does not (zod objects drop unknown keys silently). */
function undocumented(sent: unknown, parsed: unknown, at: string): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed))
    return sent.flatMap((v, i) => undocumented(v, parsed[i], `${at}.${i}`));
  if (!sent || typeof sent !== "object" || !parsed || typeof parsed !== "object") return [];
  const kept = parsed as Record<string, unknown>;
  return Object.entries(sent).flatMap(([k, v]) =>
    k in kept ? undocumented(v, kept[k], at ? `${at}.${k}` : k) : [at ? `${at}.${k}` : k],
  );
}

/** A JSON answer: 200 unless said (201 created, 202 accepted; several when the same body may come with either). */
export function jsonResponse(
  schema: z.ZodType,
  description: string,
  opts: Described & { status?: Status | Status[] } = {},
): MiddlewareHandler {
  const statuses = [opts.status ?? 200].flat();
  const documented = describeRoute({
    ...(opts.summary ? { summary: opts.summary } : {}),
    ...(opts.security ? { security: opts.security } : {}),
    responses: Object.fromEntries(statuses.map((s) => [s, { description, content: jsonContent(schema) }])),
  });
  // Read when the route is built, so a test can build an app either way.
  if (process.env.PROXPANEL_CHECK_RESPONSES !== "1") return documented;
  const checked: MiddlewareHandler = async (c, next) => {
    await next();
    if (
      !statuses.includes(c.res.status as Status) ||
      !c.res.headers.get("content-type")?.startsWith("application/json")
    )
      return;
    const body: unknown = await c.res.clone().json();
    const result = schema.safeParse(body);
    const issues = result.success
      ? undocumented(body, result.data, "").map((p) => `${p}: not in the schema`)
      : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    if (issues.length === 0) return;
    c.res = new Response(
      JSON.stringify({
        error: {
          code: "response_schema",
          message: `${c.req.method} ${c.req.routePath} answered off its schema: ${issues}`,
        },
      }),
      { status: 500, headers: { "content-type": "application/json" } },
    );
  };
  return Object.assign(checked, { [uniqueSymbol]: (documented as unknown as Record<symbol, unknown>)[uniqueSymbol] });
}

/** 204: done, nothing to say. */
export const noContent = (description: string, opts: Described = {}) =>
  describeRoute({ ...opts, responses: { 204: { description } } });

/** A file or document: its media type (or types, or a range such as image/*) is declared; the body is the bytes. */
export const fileResponse = (mediaType: string | string[], description: string, opts: Described = {}) =>
  describeRoute({
    ...opts,
    responses: {
      200: {
        description,
        content: Object.fromEntries(
          [mediaType].flat().map((m) => [m, { schema: { type: "string" as const, format: "binary" } }]),
        ),
      },
    },
  });

/** `{ ok: true }`, the answer of actions that have nothing else to report. */
export const okBody = z.object({ ok: z.literal(true) });

/**
 * GET /api/openapi.json itself. Its shape is the OpenAPI 3.1 standard's, not ours to restate: the
 * top level and the operations by path and method are named, the rest is any JSON.
 */
export const openapiDocument = z
  .object({
    openapi: z.string(),
    info: z.object({ title: z.string(), version: z.string() }).catchall(z.json()),
    paths: z.record(z.string(), z.record(z.string(), z.json())),
  })
  .catchall(z.json());
