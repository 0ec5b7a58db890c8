import { Readable } from "node:stream";
import { BACKUP_FREQUENCIES } from "@proxpanel/db";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { createBackupNow, deleteBackup, downloadBackup, listBackups } from "../../services/backups.ts";
import { getRestoreJob, startRestore } from "../../services/backups-restore.ts";
import { createSchedule, deleteSchedule, listSchedules, updateSchedule } from "../../services/backups-schedules.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";

const idParam = z.object({ id: z.uuid() });
const jobParam = z.object({ jobId: z.uuid() });
const scheduleFields = {
  frequency: z.enum(BACKUP_FREQUENCIES),
  timeOfDay: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)"),
  dayOfWeek: z.number().int().min(0).max(6).nullable().optional(),
  // Up to 28 so that every month has the day.
  dayOfMonth: z.number().int().min(1).max(28).nullable().optional(),
  enabled: z.boolean().optional(),
};
const createSchedule_ = z
  .object(scheduleFields)
  .strict()
  .refine((s) => s.frequency !== "weekly" || s.dayOfWeek != null, { message: "weekly needs dayOfWeek" })
  .refine((s) => s.frequency !== "monthly" || s.dayOfMonth != null, { message: "monthly needs dayOfMonth" });
const updateSchedule_ = z
  .object(scheduleFields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });

export function backupRoutes(deps: AppDeps) {
  const view = requirePermission("backups.view");
  const create = requirePermission("backups.create");
  const del = requirePermission("backups.delete");
  const restore = requirePermission("backups.restore");
  const edit = requirePermission("backups.edit");
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/", view, async (c) => c.json(await listBackups(deps, { ctx: serviceCtx(c) })))
    .post("/", create, async (c) => c.json({ backup: await createBackupNow(deps, { ctx: serviceCtx(c) }) }, 201))
    .get("/schedules", view, async (c) => c.json({ items: await listSchedules(deps, { ctx: serviceCtx(c) }) }))
    .post("/schedules", edit, validate("json", createSchedule_), async (c) =>
      c.json({ schedule: await createSchedule(deps, { ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .patch("/schedules/:id", edit, validate("param", idParam), validate("json", updateSchedule_), async (c) =>
      c.json({
        schedule: await updateSchedule(deps, {
          ctx: serviceCtx(c),
          input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
        }),
      }),
    )
    .delete("/schedules/:id", edit, validate("param", idParam), async (c) => {
      await deleteSchedule(deps, { ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    })
    .get("/restores/:jobId", restore, validate("param", jobParam), async (c) =>
      c.json({ job: getRestoreJob(c.get("tenant").id, c.req.valid("param").jobId) }),
    )
    .get("/:id/download", view, validate("param", idParam), async (c) => {
      const file = await downloadBackup(deps, { ctx: serviceCtx(c), input: c.req.valid("param") });
      return new Response(Readable.toWeb(file.stream) as ReadableStream<Uint8Array>, {
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(file.sizeBytes),
          // The name matches [A-Za-z0-9._-]+, so it needs no quoting beyond this.
          "content-disposition": `attachment; filename="${file.filename}"`,
        },
      });
    })
    .post("/:id/restore", restore, validate("param", idParam), async (c) =>
      c.json({ job: await startRestore(deps, { ctx: serviceCtx(c), input: c.req.valid("param") }) }, 202),
    )
    .delete("/:id", del, validate("param", idParam), async (c) => {
      await deleteBackup(deps, { ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    });
}
