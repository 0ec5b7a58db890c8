import { removeScheduleDue, syncScheduleDue } from "@proxpanel/backup/due";
import { type BACKUP_FREQUENCIES, backupDue, plans, tenants } from "@proxpanel/db";
import { asc, eq } from "drizzle-orm";
import type { AppDeps } from "../../deps.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

type Deps = Pick<AppDeps, "db">;

export interface ScheduleInput {
  frequency: (typeof BACKUP_FREQUENCIES)[number];
  timeOfDay: string;
  dayOfWeek?: number | null | undefined;
  dayOfMonth?: number | null | undefined;
  enabled?: boolean | undefined;
}

async function tenantInfo(deps: Deps, tenantId: string) {
  const [row] = await deps.db
    .select({ timezone: tenants.timezone, plan: tenants.plan, hourly: plans.hourlyBackups })
    .from(tenants)
    .innerJoin(plans, eq(plans.code, tenants.plan))
    .where(eq(tenants.id, tenantId));
  if (!row) throw notFound("Tenant not found");
  return row;
}

function assertAllowed(info: { plan: string; hourly: boolean }, frequency: ScheduleInput["frequency"]) {
  if (frequency === "hourly" && !info.hourly) {
    throw new AppError(
      403,
      ErrorCode.planRestriction,
      `Hourly backups are not included in the ${info.plan} plan; choose daily, weekly or monthly.`,
    );
  }
}

function withNext<T extends { id: string }>(s: T, due: Map<string, Date>) {
  return { ...s, nextRunAt: due.get(s.id) ?? null };
}

export async function listSchedules(deps: Deps, { ctx }: { ctx: ServiceCtx }) {
  const { t } = ctx.tenant;
  const rows = await ctx.db.select().from(t.backupSchedules).orderBy(asc(t.backupSchedules.createdAt));
  const due = await deps.db.select().from(backupDue).where(eq(backupDue.tenantId, ctx.tenant.id));
  const map = new Map(due.map((d) => [d.scheduleId, d.dueAt]));
  return rows.map((s) => withNext(s, map));
}

export async function createSchedule(deps: Deps, { ctx, input }: { ctx: ServiceCtx; input: ScheduleInput }) {
  const info = await tenantInfo(deps, ctx.tenant.id);
  assertAllowed(info, input.frequency);
  return inTransaction(ctx, async (ctx) => {
    const { t } = ctx.tenant;
    const [row] = await ctx.db
      .insert(t.backupSchedules)
      .values({
        frequency: input.frequency,
        timeOfDay: input.timeOfDay,
        dayOfWeek: input.dayOfWeek ?? null,
        dayOfMonth: input.dayOfMonth ?? null,
        enabled: input.enabled ?? true,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new AppError(409, ErrorCode.conflict, `A ${input.frequency} schedule already exists`);
    const next = await syncScheduleDue(deps.db, ctx.tenant.id, row, info.timezone);
    await writeAudit(ctx, { action: "backup_schedule.create", entityType: "backup_schedule", entityId: row.id });
    return { ...row, nextRunAt: next };
  });
}

export async function updateSchedule(
  deps: Deps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string; changes: Partial<ScheduleInput> } },
) {
  const info = await tenantInfo(deps, ctx.tenant.id);
  if (input.changes.frequency) assertAllowed(info, input.changes.frequency);
  return inTransaction(ctx, async (ctx) => {
    const { t } = ctx.tenant;
    const [row] = await ctx.db
      .update(t.backupSchedules)
      .set({ ...input.changes, updatedAt: new Date() })
      .where(eq(t.backupSchedules.id, input.id))
      .returning();
    if (!row) throw notFound("Schedule not found");
    const next = await syncScheduleDue(deps.db, ctx.tenant.id, row, info.timezone);
    await writeAudit(ctx, {
      action: "backup_schedule.update",
      entityType: "backup_schedule",
      entityId: row.id,
      details: input.changes,
    });
    return { ...row, nextRunAt: next };
  });
}

export async function deleteSchedule(deps: Deps, { ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  await inTransaction(ctx, async (ctx) => {
    const { t } = ctx.tenant;
    const [row] = await ctx.db.delete(t.backupSchedules).where(eq(t.backupSchedules.id, input.id)).returning();
    if (!row) throw notFound("Schedule not found");
    await removeScheduleDue(deps.db, ctx.tenant.id, row.id);
    await writeAudit(ctx, { action: "backup_schedule.delete", entityType: "backup_schedule", entityId: row.id });
  });
}

/** After a restore the schedules are the archive's: rebuild this tenant's due-time index from them. */
export async function resyncTenantDue(deps: Deps, ctx: ServiceCtx) {
  const info = await tenantInfo(deps, ctx.tenant.id);
  const { t } = ctx.tenant;
  const rows = await ctx.tenant.db.select().from(t.backupSchedules);
  await deps.db.transaction(async (tx) => {
    await tx.delete(backupDue).where(eq(backupDue.tenantId, ctx.tenant.id));
    for (const s of rows) await syncScheduleDue(tx, ctx.tenant.id, s, info.timezone);
  });
}
