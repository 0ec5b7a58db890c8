import { ensureSpareSchemas } from "@proxpanel/db/migrate/spares";
import type { Cron } from "croner";
import type { WorkerDeps } from "./deps.ts";

type Job = (name: string, pattern: string, fn: () => Promise<unknown>) => Cron;

/**
 * Keeps `TENANT_SPARE_SCHEMAS` whole tenant schemas built ahead, so a signup renames one into place
 * instead of building its schema (packages/db/src/migrate/spares.ts). Every 15 s it builds the
 * missing ones, one at a time; none on Citus (a distributed schema cannot be renamed).
 */
export function spareSchemaJobs(deps: Pick<WorkerDeps, "db" | "config" | "logger">, job: Job): Cron[] {
  const want = deps.config?.TENANT_SPARE_SCHEMAS ?? 0;
  if (want <= 0) return [];
  const log = deps.logger.child({ component: "spare-schemas" });
  return [
    job("spare-schemas", "*/15 * * * * *", async () => {
      const built = await ensureSpareSchemas(deps.db, want);
      if (built.length) log.debug({ built: built.length }, "spare tenant schemas built");
    }),
  ];
}
