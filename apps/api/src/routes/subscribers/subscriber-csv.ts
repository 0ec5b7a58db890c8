import { randomUUID } from "node:crypto";
import { seal } from "@proxpanel/auth";
import { parse } from "csv-parse/sync";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { restoreCell, toCsv } from "../../csv.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { isoDate } from "../../validate.ts";
import { ipv6Prefix } from "../ipv6-pools/schemas.ts";
import { type ImportedPrefix, ipv6Overlaps, takenIpv6 } from "./import-ipv6.ts";
import { assertImportedIpv6Free } from "./static-ipv6.ts";
import { assertUnderCap } from "./subscribers.ts";

// Columns shared by import and export; import adds the password, export the balance.
const CSV_FIELDS = [
  "username",
  "plan",
  "status",
  "expires_at",
  "full_name",
  "email",
  "phone",
  "address",
  "static_ip",
  "static_ipv6_prefix",
  "delegated_ipv6_prefix",
  "simultaneous_use",
  "mac_address",
  "notes",
] as const;
export const IMPORT_COLUMNS = ["username", "password", ...CSV_FIELDS.slice(1)] as const;
export const EXPORT_COLUMNS = [...CSV_FIELDS, "balance"] as const;

const empty = (v: unknown) => (v === "" ? undefined : v);
const row = z.object({
  username: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, "letters, digits and . _ @ - only, at most 64"),
  password: z.string().min(4, "at least 4 characters").max(64),
  plan: z.string().min(1, "required"),
  status: z.preprocess(empty, z.enum(["active", "disabled"]).default("active")),
  expires_at: z.preprocess(empty, isoDate.optional()),
  full_name: z.preprocess(empty, z.string().max(200).optional()),
  email: z.preprocess(empty, z.string().email().max(254).optional()),
  phone: z.preprocess(empty, z.string().max(40).optional()),
  address: z.preprocess(empty, z.string().max(500).optional()),
  static_ip: z.preprocess(empty, z.ipv4().optional()),
  static_ipv6_prefix: z.preprocess(empty, ipv6Prefix.optional()),
  delegated_ipv6_prefix: z.preprocess(empty, ipv6Prefix.optional()),
  simultaneous_use: z.preprocess(empty, z.coerce.number().int().min(1).max(1000).optional()),
  mac_address: z.preprocess(
    empty,
    z
      .string()
      .regex(/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/, "must look like AA:BB:CC:DD:EE:FF")
      .transform((m) => m.toUpperCase().replaceAll("-", ":"))
      .optional(),
  ),
  notes: z.preprocess(empty, z.string().max(2000).optional()),
});

export interface RowError {
  line: number;
  username?: string;
  errors: string[];
}

const MAX_ROWS = 20_000;

/**
 * Checks every row (shape, plan, duplicates in the file and in the tenant, IPv6 prefixes overlapping
 * a pool, another subscriber's or an earlier line's) and, unless it is a dry run, inserts them all
 * in one transaction under the subscriber cap. Any bad row means nothing is imported: the report
 * lists every problem so the file can be fixed in one go. The dry run and the real import report
 * the same problems; the overlap check runs again inside the import's transaction, under the lock,
 * against what changed in between.
 */
export async function importSubscribers(
  deps: { key: Buffer },
  { ctx, input }: { ctx: ServiceCtx; input: { csv: string; dryRun: boolean } },
) {
  const { t } = ctx.tenant;
  let records: Record<string, string>[];
  const nul = input.csv.indexOf("\u0000");
  if (nul >= 0) {
    const line = input.csv.slice(0, nul).split("\n").length;
    throw new AppError(400, ErrorCode.validation, `Line ${line} holds a NUL character, which cannot be stored.`);
  }
  try {
    records = parse(input.csv, { columns: true, skip_empty_lines: true, trim: true, bom: true, cast: restoreCell });
  } catch (err) {
    throw new AppError(400, ErrorCode.validation, `Not a readable CSV file: ${(err as Error).message}`);
  }
  if (records.length > MAX_ROWS) throw new AppError(400, ErrorCode.validation, `At most ${MAX_ROWS} rows per import.`);
  const plans = await ctx.db
    .select({
      id: t.servicePlans.id,
      name: t.servicePlans.name,
      active: t.servicePlans.isActive,
      validityDays: t.servicePlans.validityDays,
    })
    .from(t.servicePlans);
  const planByName = new Map(plans.map((p) => [p.name.toLowerCase(), p]));
  const names = records.map((r) => (r.username ?? "").toLowerCase()).filter(Boolean);
  const existing = new Set(
    names.length
      ? (
          await ctx.db
            .select({ u: sql<string>`lower(${t.subscribers.username})` })
            .from(t.subscribers)
            .where(inArray(sql`lower(${t.subscribers.username})`, names))
        ).map((r) => r.u)
      : [],
  );
  const seen = new Map<string, number>();
  const checked = records.map((rec, i) => {
    const line = i + 2; // header is line 1
    const parsed = row.safeParse(rec);
    const problems: string[] = [];
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".") || "row"}: ${issue.message}`);
    }
    const username = (rec.username ?? "").toLowerCase();
    if (username && seen.has(username)) problems.push(`username: repeats line ${seen.get(username)}`);
    else if (username) seen.set(username, line);
    if (username && existing.has(username)) problems.push("username: already exists");
    const plan = planByName.get((rec.plan ?? "").toLowerCase());
    if (rec.plan && !plan) problems.push(`plan: no plan named "${rec.plan}"`);
    else if (plan && !plan.active) problems.push(`plan: "${plan.name}" is not active`);
    return { line, rec, parsed, problems, plan };
  });
  // IPv6 overlaps (pools, other subscribers, earlier lines), for every prefix that is well formed
  // even on a line with other problems, so the file can be fixed in one go.
  const prefixes: ImportedPrefix[] = [];
  for (const { line, rec } of checked) {
    for (const column of ["static_ipv6_prefix", "delegated_ipv6_prefix"] as const) {
      const p = rec[column] ? ipv6Prefix.safeParse(rec[column]) : undefined;
      if (p?.success) prefixes.push({ line, column, prefix: p.data });
    }
  }
  const overlaps = prefixes.length ? ipv6Overlaps(prefixes, await takenIpv6(ctx)) : new Map<number, string[]>();
  const errors: RowError[] = [];
  const valid: { line: number; data: z.infer<typeof row>; planId: string; validityDays: number }[] = [];
  for (const { line, rec, parsed, problems, plan } of checked) {
    problems.push(...(overlaps.get(line) ?? []));
    if (problems.length || !parsed.success || !plan) {
      errors.push({ line, ...(rec.username ? { username: rec.username } : {}), errors: problems });
      continue;
    }
    valid.push({ line, data: parsed.data, planId: plan.id, validityDays: plan.validityDays });
  }
  const report = { rows: records.length, valid: valid.length, errors, dryRun: input.dryRun, imported: 0 };
  if (input.dryRun || records.length === 0) return report;
  if (errors.length) {
    throw new AppError(422, ErrorCode.validation, `${errors.length} rows have problems; nothing was imported.`, report);
  }
  await inTransaction(ctx, async (tx) => {
    await assertUnderCap(tx, valid.length);
    const now = Date.now();
    const values = valid.map(({ data, planId, validityDays }) => {
      const id = randomUUID();
      return {
        id,
        username: data.username,
        passwordEnc: seal(deps.key, data.password, `subscriber:${id}`),
        planId,
        status: data.status,
        expiresAt: data.expires_at ?? new Date(now + validityDays * 86_400_000),
        fullName: data.full_name ?? "",
        email: data.email ?? null,
        phone: data.phone ?? null,
        address: data.address ?? null,
        staticIp: data.static_ip ?? null,
        staticIpv6Prefix: data.static_ipv6_prefix ?? null,
        delegatedIpv6Prefix: data.delegated_ipv6_prefix ?? null,
        simultaneousUse: data.simultaneous_use ?? null,
        macAddress: data.mac_address ?? null,
        notes: data.notes ?? "",
        resellerId: tx.actor.resellerId,
      };
    });
    for (let i = 0; i < values.length; i += 1000) {
      await tx.db
        .insert(t.subscribers)
        .values(values.slice(i, i + 1000))
        .catch((err: unknown) => {
          const e = (err as { cause?: { code?: string } }).cause;
          if (e?.code === "23505") {
            throw new AppError(
              409,
              ErrorCode.conflict,
              "A username, static IP or IPv6 prefix was taken while importing; nothing was imported.",
            );
          }
          throw err;
        });
    }
    const withIpv6 = new Map(
      values.flatMap((v, i) =>
        v.staticIpv6Prefix || v.delegatedIpv6Prefix ? [[v.id, valid[i]?.line ?? 0] as const] : [],
      ),
    );
    if (withIpv6.size) await assertImportedIpv6Free(tx, withIpv6);
    await writeAudit(tx, { action: "subscriber.import", entityType: "subscriber", details: { rows: values.length } });
  });
  return { ...report, imported: valid.length };
}

/** Every subscriber the caller can see, as CSV (no passwords), in username order. */
export async function exportSubscribers({ ctx }: { ctx: ServiceCtx }): Promise<string> {
  const { t } = ctx.tenant;
  const s = t.subscribers;
  const rows = await ctx.db
    .select({
      username: s.username,
      plan: t.servicePlans.name,
      status: s.status,
      expiresAt: s.expiresAt,
      fullName: s.fullName,
      email: s.email,
      phone: s.phone,
      address: s.address,
      staticIp: s.staticIp,
      staticIpv6Prefix: s.staticIpv6Prefix,
      delegatedIpv6Prefix: s.delegatedIpv6Prefix,
      simultaneousUse: s.simultaneousUse,
      macAddress: s.macAddress,
      notes: s.notes,
      balanceCents: s.balanceCents,
    })
    .from(s)
    .leftJoin(t.servicePlans, eq(t.servicePlans.id, s.planId))
    .where(ctx.actor.resellerId ? and(eq(s.resellerId, ctx.actor.resellerId)) : undefined)
    .orderBy(asc(sql`lower(${s.username})`));
  return toCsv(
    rows.map((r) => [
      r.username,
      r.plan ?? "",
      r.status,
      r.expiresAt?.toISOString() ?? "",
      r.fullName,
      r.email ?? "",
      r.phone ?? "",
      r.address ?? "",
      r.staticIp ?? "",
      r.staticIpv6Prefix ?? "",
      r.delegatedIpv6Prefix ?? "",
      r.simultaneousUse?.toString() ?? "",
      r.macAddress ?? "",
      r.notes,
      (r.balanceCents / 100).toFixed(2),
    ]),
    EXPORT_COLUMNS,
  );
}
