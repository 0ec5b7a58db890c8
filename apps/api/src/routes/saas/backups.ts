import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin, superAdminActor } from "../../middleware/auth.ts";
import { validate } from "../../validate.ts";
import { backupHealth, dryRun, forceBackup, listAlerts, resolveAlert, setPinned } from "./backups-admin.ts";
import { listClusterArchives, runClusterArchiveNow } from "./backups-cluster.ts";
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
      .get("/health", async (c) => c.json({ items: await backupHealth(deps) }))
      .get("/alerts", validate("query", alertQuery), async (c) => {
        const q = c.req.valid("query");
        return c.json({ items: await listAlerts(deps, { open: q.status === "open", tenantId: q.tenantId }) });
      })
      .post("/alerts/:id/resolve", validate("param", idParam), async (c) =>
        c.json({ alert: await resolveAlert(deps, superAdminActor(c), c.req.valid("param").id) }),
      )
      // Cluster backups of the `public` schema (cloud_backups/cluster/), newest first; and one now.
      .get("/cluster", async (c) => c.json({ items: await listClusterArchives(deps) }))
      .post("/cluster", async (c) => c.json({ backup: await runClusterArchiveNow(deps, superAdminActor(c)) }, 201))
      // The archives behind pin / dry-run in the console, newest first.
      .get("/tenants/:id", validate("param", idParam), async (c) =>
        c.json({ items: await listTenantBackups(deps, c.req.valid("param").id) }),
      )
      .post("/tenants/:id/backup", validate("param", idParam), async (c) =>
        c.json({ backup: await forceBackup(deps, superAdminActor(c), c.req.valid("param").id) }, 201),
      )
      .post("/:id/pin", validate("param", idParam), async (c) =>
        c.json({ backup: await setPinned(deps, superAdminActor(c), c.req.valid("param").id, true) }),
      )
      .post("/:id/unpin", validate("param", idParam), async (c) =>
        c.json({ backup: await setPinned(deps, superAdminActor(c), c.req.valid("param").id, false) }),
      )
      .post("/:id/dry-run", validate("param", idParam), async (c) =>
        c.json({ report: await dryRun(deps, superAdminActor(c), c.req.valid("param").id) }),
      )
  );
}
