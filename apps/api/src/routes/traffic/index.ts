import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { nasEventList, trafficSeries } from "./responses.ts";
import { listNasEvents, nasTraffic, subscriberTraffic, TRAFFIC_RANGES } from "./traffic.ts";

const idParam = z.object({ id: z.uuid() });
const seriesQuery = z
  .object({
    range: z.enum(TRAFFIC_RANGES).default("hours"),
    // hours: 1–48 (the 5-minute roll-ups are kept 48 h); days: 1–90 (hourly roll-ups kept 90 days).
    span: z.coerce.number().int().min(1).max(90).optional(),
  })
  .strict()
  .refine((q) => q.range !== "hours" || (q.span ?? 24) <= 48, { path: ["span"], message: "at most 48 hours" });
const eventsQuery = z
  .object({
    nasId: z.uuid().optional(),
    before: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/**
 * Live traffic and NAS health: per-subscriber and per-NAS series from the daemon's roll-ups, and
 * the NAS health events the worker records.
 */
export function trafficRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/subscribers/:id",
      jsonResponse(trafficSeries, "A subscriber's traffic series and live rate"),
      requirePermission("subscribers.view"),
      validate("param", idParam),
      validate("query", seriesQuery),
      async (c) =>
        c.json(
          await subscriberTraffic({ ctx: serviceCtx(c), input: { ...c.req.valid("param"), ...c.req.valid("query") } }),
        ),
    )
    .get(
      "/nas/:id",
      jsonResponse(trafficSeries, "A NAS's traffic series and live rate"),
      requirePermission("nas.view"),
      validate("param", idParam),
      validate("query", seriesQuery),
      async (c) =>
        c.json(await nasTraffic({ ctx: serviceCtx(c), input: { ...c.req.valid("param"), ...c.req.valid("query") } })),
    )
    .get(
      "/nas-events",
      jsonResponse(nasEventList, "NAS health transitions, newest first"),
      requirePermission("nas.view"),
      validate("query", eventsQuery),
      async (c) => c.json(await listNasEvents({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    );
}
