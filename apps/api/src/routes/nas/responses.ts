import { NAS_HEALTH_STATUSES } from "@proxpanel/db";
import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";
import { NAS_SILENT_REASONS } from "../traffic/traffic.ts";

/** A NAS as the API shows it: never its sealed RADIUS secret. */
export const nasRow = rowSchema(docTables.nasDevices).omit({ secretEnc: true });
/** Whether the NAS is heard from (its packets, its accounting, the Status-Server probe). */
const health = z.object({
  status: z.enum(NAS_HEALTH_STATUSES),
  statusSince: z.iso.datetime().nullable(),
  lastSeenAt: z.iso.datetime().nullable(),
  lastAcctAt: z.iso.datetime().nullable(),
  probe: z.object({ at: z.iso.datetime(), ok: z.boolean(), rttMs: z.number().nullable() }).nullable(),
  /** While silent: no packets (probes unanswered) or accounting stopped with sessions open. */
  silentReason: z.enum(NAS_SILENT_REASONS).nullable(),
});
export const nasView = nasRow.extend({ health });
export const nasPage = pageOf(nasView);
/** The RADIUS shared secret, in clear, for the router's configuration. */
export const secretBody = z.object({ secret: z.string() });
/** A new NAS and its secret (shown once here; reveal-secret later). */
export const nasCreated = secretBody.extend({ nas: nasRow });
