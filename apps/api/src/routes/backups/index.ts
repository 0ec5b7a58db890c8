import { Readable } from "node:stream";
import { jobIsOpen } from "@proxpanel/backup";
import { BACKUP_FREQUENCIES } from "@proxpanel/db";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { fileResponse, jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { createBackupNow, deleteBackup, downloadBackup, getBackupJob, listBackups, startBackupJob } from "./backups.ts";
import { type BackupJob, jobHub } from "./backups-progress.ts";
import { getRestoreJob, listRestoreJobs, startRestore, startUploadedRestore } from "./backups-restore.ts";
import { createSchedule, deleteSchedule, listSchedules, updateSchedule } from "./backups-schedules.ts";
import * as out from "./responses.ts";

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

// The source key material travels in headers because the body is the archive itself, streamed to
// disk; it is used for this one restore and never stored.
const sourceKeyHeaders = z.object({
  "content-type": z.literal("application/octet-stream", { message: "upload the archive as application/octet-stream" }),
  "x-source-tenant-secret": z.string().min(1).max(1024),
  "x-source-license-key": z.string().min(1).max(1024).optional(),
});

const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events for one job: its current state, then every change, until it finishes. The
 * changes may come from another API instance (shared state), so the panel can follow a job from
 * whichever instance its connection lands on.
 */
function jobEvents(c: Context<AppEnv>, deps: AppDeps, first: BackupJob) {
  return streamSSE(c, async (stream) => {
    let last = first;
    const queue: BackupJob[] = [];
    let wake: (() => void) | undefined;
    const hub = jobHub(deps);
    const off = hub.listen(first.id, (job) => {
      queue.push(job);
      wake?.();
    });
    stream.onAbort(() => {
      off();
      wake?.();
    });
    try {
      await stream.writeSSE({ event: "progress", id: "0", data: JSON.stringify(first) });
      // A change between reading `first` and listening is caught by asking once more.
      const again = await hub.get(first.tenantId, first.id, [first.kind]);
      if (JSON.stringify(again) !== JSON.stringify(first)) queue.push(again);
      let seq = 1;
      while (jobIsOpen(last.status) && !stream.aborted) {
        const job = queue.shift();
        if (!job) {
          const timer = setTimeout(() => wake?.(), HEARTBEAT_MS);
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          clearTimeout(timer);
          wake = undefined;
          if (queue.length === 0 && !stream.aborted) {
            await stream.write(": keep-alive\n\n");
            // An owner that died publishes nothing more; its row (read, and marked interrupted) says so.
            const now = await hub.get(first.tenantId, first.id, [first.kind]);
            if (now.status !== last.status) queue.push(now);
          }
          continue;
        }
        last = job;
        await stream.writeSSE({ event: "progress", id: String(seq++), data: JSON.stringify(job) });
      }
      if (!stream.aborted) await stream.writeSSE({ event: "end", data: JSON.stringify({ status: last.status }) });
    } finally {
      off();
    }
  });
}

export function backupRoutes(deps: AppDeps) {
  const view = requirePermission("backups.view");
  const create = requirePermission("backups.create");
  const del = requirePermission("backups.delete");
  const restore = requirePermission("backups.restore");
  const edit = requirePermission("backups.edit");
  const fromOtherTenant = requirePermission("backups.restore_from_other_tenant");
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/", jsonResponse(out.backupList, "The archives and the quota they take"), view, async (c) =>
      c.json(await listBackups(deps, { ctx: serviceCtx(c) })),
    )
    .post(
      "/",
      jsonResponse(z.object({ backup: out.backupRow }), "The backup, taken", { status: 201 }),
      create,
      async (c) => c.json({ backup: await createBackupNow(deps, { ctx: serviceCtx(c) }) }, 201),
    )
    .get("/schedules", jsonResponse(out.scheduleList, "The schedules"), view, async (c) =>
      c.json({ items: await listSchedules(deps, { ctx: serviceCtx(c) }) }),
    )
    .post(
      "/schedules",
      jsonResponse(out.scheduleBody, "The new schedule", { status: 201 }),
      edit,
      validate("json", createSchedule_),
      async (c) =>
        c.json({ schedule: await createSchedule(deps, { ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .patch(
      "/schedules/:id",
      jsonResponse(out.scheduleBody, "The schedule as changed"),
      edit,
      validate("param", idParam),
      validate("json", updateSchedule_),
      async (c) =>
        c.json({
          schedule: await updateSchedule(deps, {
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
          }),
        }),
    )
    .delete("/schedules/:id", noContent("Deleted"), edit, validate("param", idParam), async (c) => {
      await deleteSchedule(deps, { ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    })
    .post(
      "/jobs",
      jsonResponse(out.jobBody, "The backup, started in the background", { status: 202 }),
      create,
      async (c) => c.json({ job: await startBackupJob(deps, { ctx: serviceCtx(c) }) }, 202),
    )
    .get("/jobs/:jobId", jsonResponse(out.jobBody, "The job"), create, validate("param", jobParam), async (c) =>
      c.json({ job: await getBackupJob(deps, c.get("tenant").id, c.req.valid("param").jobId) }),
    )
    .get(
      "/jobs/:jobId/events",
      fileResponse("text/event-stream", "The job's progress as server-sent events"),
      create,
      validate("param", jobParam),
      async (c) => jobEvents(c, deps, await getBackupJob(deps, c.get("tenant").id, c.req.valid("param").jobId)),
    )
    .get("/restores", jsonResponse(out.jobList, "The latest 10 restores"), restore, async (c) =>
      c.json({ items: await listRestoreJobs(deps, c.get("tenant").id) }),
    )
    .get(
      "/restores/:jobId",
      jsonResponse(out.jobBody, "The restore"),
      restore,
      validate("param", jobParam),
      async (c) => c.json({ job: await getRestoreJob(deps, c.get("tenant").id, c.req.valid("param").jobId) }),
    )
    .get(
      "/restores/:jobId/events",
      fileResponse("text/event-stream", "The restore's progress as server-sent events"),
      restore,
      validate("param", jobParam),
      async (c) => jobEvents(c, deps, await getRestoreJob(deps, c.get("tenant").id, c.req.valid("param").jobId)),
    )
    .post(
      "/restore-upload",
      jsonResponse(out.jobBody, "The uploaded archive's restore, started", { status: 202 }),
      restore,
      fromOtherTenant,
      validate("header", sourceKeyHeaders),
      async (c) => {
        const h = c.req.valid("header");
        const body = c.req.raw.body;
        if (!body) throw new AppError(400, ErrorCode.validation, "The archive is missing from the request body.");
        const job = await startUploadedRestore(deps, {
          ctx: serviceCtx(c),
          input: {
            body: Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>),
            tenantSecret: h["x-source-tenant-secret"],
            licenseKey: h["x-source-license-key"],
          },
        });
        return c.json({ job }, 202);
      },
    )
    .get(
      "/:id/download",
      fileResponse("application/octet-stream", "The archive"),
      view,
      validate("param", idParam),
      async (c) => {
        const file = await downloadBackup(deps, { ctx: serviceCtx(c), input: c.req.valid("param") });
        return new Response(Readable.toWeb(file.stream) as ReadableStream<Uint8Array>, {
          headers: {
            "content-type": "application/octet-stream",
            "content-length": String(file.sizeBytes),
            // The name matches [A-Za-z0-9._-]+, so it needs no quoting beyond this.
            "content-disposition": `attachment; filename="${file.filename}"`,
          },
        });
      },
    )
    .post(
      "/:id/restore",
      jsonResponse(out.jobBody, "The restore, started in the background", { status: 202 }),
      restore,
      validate("param", idParam),
      async (c) => c.json({ job: await startRestore(deps, { ctx: serviceCtx(c), input: c.req.valid("param") }) }, 202),
    )
    .delete("/:id", noContent("Deleted"), del, validate("param", idParam), async (c) => {
      await deleteBackup(deps, { ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    });
}
