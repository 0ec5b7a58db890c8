import { NAS_EVENT_KINDS } from "@proxpanel/db";
import { z } from "zod";
import { TRAFFIC_RANGES } from "./traffic.ts";

/** One bucket: its start (ISO; local midnight for days) and the octets in each direction. */
const point = z.object({ at: z.iso.datetime(), bytesIn: z.number(), bytesOut: z.number() });

export const trafficSeries = z.object({
  range: z.enum(TRAFFIC_RANGES),
  bucketSeconds: z.number().int(),
  timezone: z.string(),
  points: z.array(point),
  /** Open sessions now and the sum of their latest rates in bytes per second. */
  live: z.object({ sessions: z.number().int(), rateIn: z.number(), rateOut: z.number() }),
});

export const nasEventList = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      nasId: z.uuid(),
      nasName: z.string().nullable(),
      kind: z.enum(NAS_EVENT_KINDS),
      detail: z.string(),
      createdAt: z.iso.datetime(),
    }),
  ),
});
