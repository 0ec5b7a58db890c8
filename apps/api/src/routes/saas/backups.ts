import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin, superAdminActor } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { validate } from "../../validate.ts";
import { backupRow } from "../backups/responses.ts";
import { backupHealth, dryRun, forceBackup, listAlerts, resolveAlert, setPinned } from "./backups-admin.ts";
import { listClusterArchives, runClusterArchiveNow } from "./backups-cluster.ts";
import * as out from "./responses.ts";
import { listTenantBackups } from "./saas-backups.ts";

const idParam = z.object({ id: z.uuid() });
const alertQuery = z.object({
  status: z.enum(["open", "all"]).default("open"),
  tenantId: z.uuid().optional(),
});

export function saasBackupRoutes(deps: AppDeps) {
  return (
    new Hono<AppEnv>()
      .use(requireSuperAdmin(deps))
      .get("/health", jsonResponse(out.backupHealthList, "Backups per tenant"), async (c) =>
        c.json({ items: await backupHealth(deps) }),
      )
      .get(
        "/alerts",
        jsonResponse(z.object({ items: z.array(out.alertRow) }), "Backup alerts, newest first"),
        validate("query", alertQuery),
        async (c) => {
          const q = c.req.valid("query");
          return c.json({ items: await listAlerts(deps, { open: q.status === "open", tenantId: q.tenantId }) });
        },
      )
      .post(
        "/alerts/:id/resolve",
        jsonResponse(z.object({ alert: out.alertRow }), "The alert, resolved"),
        validate("param", idParam),
        async (c) => c.json({ alert: await resolveAlert(deps, superAdminActor(c), c.req.valid("param").id) }),
      )
      // Cluster backups of the `public` schema (cloud_backups/cluster/), newest first; and one now.
      .get("/cluster", jsonResponse(out.clusterArchives, "Cluster-wide archives"), async (c) =>
        c.json({ items: await listClusterArchives(deps) }),
      )
      .post("/cluster", jsonResponse(out.clusterArchive, "A cluster-wide archive, taken", { status: 201 }), async (c) =>
        c.json({ backup: await runClusterArchiveNow(deps, superAdminActor(c)) }, 201),
      )
      // The archives behind pin / dry-run in the console, newest first.
      .get(
        "/tenants/:id",
        jsonResponse(z.object({ items: z.array(backupRow) }), "The tenant's archives"),
        validate("param", idParam),
        async (c) => c.json({ items: await listTenantBackups(deps, c.req.valid("param").id) }),
      )
      .post(
        "/tenants/:id/backup",
        jsonResponse(z.object({ backup: backupRow }), "A backup of the tenant, taken", { status: 201 }),
        validate("param", idParam),
        async (c) => c.json({ backup: await forceBackup(deps, superAdminActor(c), c.req.valid("param").id) }, 201),
      )
      .post(
        "/:id/pin",
        jsonResponse(z.object({ backup: backupRow }), "Pinned: kept past retention"),
        validate("param", idParam),
        async (c) => c.json({ backup: await setPinned(deps, superAdminActor(c), c.req.valid("param").id, true) }),
      )
      .post(
        "/:id/unpin",
        jsonResponse(z.object({ backup: backupRow }), "Unpinned"),
        validate("param", idParam),
        async (c) => c.json({ backup: await setPinned(deps, superAdminActor(c), c.req.valid("param").id, false) }),
      )
      .post(
        "/:id/dry-run",
        jsonResponse(out.dryRunBody, "The dry run's report"),
        validate("param", idParam),
        async (c) => c.json({ report: await dryRun(deps, superAdminActor(c), c.req.valid("param").id) }),
      )
  );
}
