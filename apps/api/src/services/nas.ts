import { randomBytes, randomUUID } from "node:crypto";
import { seal, unseal } from "@proxpanel/auth";
import { type NasDevice, nasRoutes } from "@proxpanel/db";
import { and, asc, count, desc, eq, ne, or, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../db-errors.ts";
import { AppError, ErrorCode, notFound } from "../errors.ts";
import { type ListInput, likeEscape, type Page } from "../pagination.ts";
import { writeAudit } from "./audit.ts";
import { inTransaction, type ServiceCtx } from "./context.ts";

export const NAS_SORTS = ["name", "address", "created"] as const;
/** The RADIUS daemon subscribes here and reloads its routing table on every message. */
export const NAS_CHANNEL = "proxpanel:radius:nas";

export interface NasFields {
  name: string;
  ipAddress: string;
  identifier?: string | null | undefined;
  type?: "mikrotik" | "generic" | undefined;
  coaPort?: number | undefined;
  requireMessageAuthenticator?: boolean | undefined;
  description?: string | undefined;
}

export interface NasEvent {
  tenantId: string;
  nasId: string;
  op: "create" | "update" | "delete";
}

/**
 * `key` is the tenant's sealing key. `publish` runs after our own commit; when a caller passes
 * its own transaction it must publish the returned event itself once that commits.
 */
export interface NasDeps {
  key: Buffer;
  publish: (event: NasEvent) => Promise<void>;
}

export type PublicNas = Omit<NasDevice, "secretEnc">;

const sealContext = (id: string) => `nas:${id}`;

export function publicNas(row: NasDevice): PublicNas {
  const { secretEnc: _s, ...rest } = row;
  return rest;
}

/** 24 random bytes as base64url: 32 printable characters every NAS vendor accepts. */
export const generateSecret = () => randomBytes(24).toString("base64url");

const conflict = conflictOn((c) =>
  c === "nas_devices_name_key"
    ? "A NAS with this name already exists."
    : "A NAS with this address and NAS-Identifier already exists.",
);

/**
 * The RADIUS daemon picks a tenant from (source address, NAS-Identifier) alone, so across every
 * tenant an address must map to one route unambiguously: either one identifier-less route, or
 * any number of routes with distinct identifiers. Serialised per address by an advisory lock so
 * two concurrent claims cannot both pass the check.
 */
async function claimRoute(ctx: ServiceCtx, nasId: string, ipAddress: string, identifier: string | null) {
  await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext('nas:' || host(${ipAddress}::inet)))`);
  const others = await ctx.db
    .select({ tenantId: nasRoutes.tenantId, identifier: nasRoutes.identifier })
    .from(nasRoutes)
    .where(and(sql`${nasRoutes.ipAddress} = ${ipAddress}::inet`, ne(nasRoutes.nasId, nasId)));
  const where = (r: { tenantId: string }) =>
    r.tenantId === ctx.tenant.id ? "another of your NAS" : "a NAS in another workspace";
  const bare = others.find((r) => r.identifier === null);
  if (bare) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      `The address ${ipAddress} is already used by ${where(bare)} without a NAS-Identifier, so RADIUS requests from it cannot be told apart; use a different address.`,
    );
  }
  if (identifier === null && others.length > 0) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      `The address ${ipAddress} is already used by ${where(others[0] ?? { tenantId: "" })}; set a NAS-Identifier that tells this NAS apart.`,
    );
  }
  const same = others.find((r) => r.identifier === identifier);
  if (same) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      `The address ${ipAddress} with NAS-Identifier "${identifier}" is already used by ${where(same)}; choose another identifier.`,
    );
  }
  await ctx.db
    .insert(nasRoutes)
    .values({ nasId, tenantId: ctx.tenant.id, ipAddress, identifier })
    .onConflictDoUpdate({ target: nasRoutes.nasId, set: { ipAddress, identifier, updatedAt: new Date() } })
    .catch(conflict);
}

async function loadForUpdate(ctx: ServiceCtx, id: string) {
  const { t } = ctx.tenant;
  const row = (await ctx.db.select().from(t.nasDevices).where(eq(t.nasDevices.id, id)).for("update").limit(1))[0];
  if (!row) throw notFound("NAS not found");
  return row;
}

/** Publishes only when this call owned the transaction, i.e. after the commit. */
async function afterCommit<T>(ctx: ServiceCtx, deps: NasDeps, event: NasEvent, work: Promise<T>): Promise<T> {
  const result = await work;
  if (ctx.db === ctx.tenant.db) await deps.publish(event);
  return result;
}

export async function listNas({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: ListInput<(typeof NAS_SORTS)[number]> & { type?: "mikrotik" | "generic" | undefined };
}): Promise<Page<PublicNas>> {
  const { t } = ctx.tenant;
  const f: SQL[] = [];
  if (input.type) f.push(eq(t.nasDevices.type, input.type));
  if (input.search) {
    const term = `${likeEscape(input.search.toLowerCase())}%`;
    const match = or(
      sql`lower(${t.nasDevices.name}) like ${term}`,
      sql`host(${t.nasDevices.ipAddress}) like ${term}`,
      sql`lower(${t.nasDevices.identifier}) like ${term}`,
    );
    if (match) f.push(match);
  }
  const where = f.length ? and(...f) : undefined;
  const col = {
    name: sql`lower(${t.nasDevices.name})`,
    address: t.nasDevices.ipAddress,
    created: t.nasDevices.createdAt,
  }[input.sort];
  const [rows, totals] = await Promise.all([
    ctx.db
      .select()
      .from(t.nasDevices)
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(t.nasDevices.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(t.nasDevices).where(where),
  ]);
  return { items: rows.map(publicNas), total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

export async function getNas({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }): Promise<PublicNas> {
  const { t } = ctx.tenant;
  const row = (await ctx.db.select().from(t.nasDevices).where(eq(t.nasDevices.id, input.id)).limit(1))[0];
  if (!row) throw notFound("NAS not found");
  return publicNas(row);
}

/** Returns the secret once; afterwards only reveal or rotate show it. */
export async function createNas(
  deps: NasDeps,
  { ctx, input }: { ctx: ServiceCtx; input: NasFields & { secret?: string | undefined } },
): Promise<{ nas: PublicNas; secret: string }> {
  const { t } = ctx.tenant;
  const id = randomUUID();
  const { secret: given, ...fields } = input;
  const secret = given ?? generateSecret();
  const identifier = input.identifier ?? null;
  const work = inTransaction(ctx, async (tx) => {
    await claimRoute(tx, id, input.ipAddress, identifier);
    const [row] = await tx.db
      .insert(t.nasDevices)
      .values({ ...fields, id, identifier, secretEnc: seal(deps.key, secret, sealContext(id)) })
      .returning()
      .catch(conflict);
    if (!row) throw new Error("insert returned nothing");
    const nas = publicNas(row);
    await writeAudit(tx, { action: "nas.create", entityType: "nas", entityId: id, details: { after: nas } });
    return { nas, secret };
  });
  return afterCommit(ctx, deps, { tenantId: ctx.tenant.id, nasId: id, op: "create" }, work);
}

export async function updateNas(
  deps: NasDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string; changes: Partial<NasFields> } },
): Promise<PublicNas> {
  const { t } = ctx.tenant;
  const work = inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    const ipAddress = input.changes.ipAddress ?? before.ipAddress;
    const identifier = input.changes.identifier === undefined ? before.identifier : input.changes.identifier;
    if (ipAddress !== before.ipAddress || identifier !== before.identifier) {
      await claimRoute(tx, input.id, ipAddress, identifier);
    }
    const [row] = await tx.db
      .update(t.nasDevices)
      .set({ ...input.changes, updatedAt: new Date() })
      .where(eq(t.nasDevices.id, input.id))
      .returning()
      .catch(conflict);
    const after = publicNas(row ?? before);
    await writeAudit(tx, {
      action: "nas.update",
      entityType: "nas",
      entityId: input.id,
      details: { before: publicNas(before), after },
    });
    return after;
  });
  return afterCommit(ctx, deps, { tenantId: ctx.tenant.id, nasId: input.id, op: "update" }, work);
}

/** Also drops the NAS's route and WireGuard peer: nothing may keep pointing at a deleted NAS. */
export async function deleteNas(deps: NasDeps, { ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const work = inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    await tx.db.delete(t.wireguardPeers).where(eq(t.wireguardPeers.nasId, input.id));
    await tx.db.delete(nasRoutes).where(eq(nasRoutes.nasId, input.id));
    await tx.db.delete(t.nasDevices).where(eq(t.nasDevices.id, input.id));
    await writeAudit(tx, {
      action: "nas.delete",
      entityType: "nas",
      entityId: input.id,
      details: { before: publicNas(before) },
    });
  });
  return afterCommit(ctx, deps, { tenantId: ctx.tenant.id, nasId: input.id, op: "delete" }, work);
}

export async function revealNasSecret(
  deps: Pick<NasDeps, "key">,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string } },
): Promise<string> {
  return inTransaction(ctx, async (tx) => {
    const row = await loadForUpdate(tx, input.id);
    // Who looked at a secret is worth knowing; the secret itself never enters the log.
    await writeAudit(tx, { action: "nas.reveal_secret", entityType: "nas", entityId: input.id });
    return unseal(deps.key, row.secretEnc, sealContext(row.id));
  });
}

export async function rotateNasSecret(
  deps: NasDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string; secret?: string | undefined } },
): Promise<string> {
  const { t } = ctx.tenant;
  const secret = input.secret ?? generateSecret();
  const work = inTransaction(ctx, async (tx) => {
    await loadForUpdate(tx, input.id);
    await tx.db
      .update(t.nasDevices)
      .set({ secretEnc: seal(deps.key, secret, sealContext(input.id)), updatedAt: new Date() })
      .where(eq(t.nasDevices.id, input.id));
    await writeAudit(tx, { action: "nas.rotate_secret", entityType: "nas", entityId: input.id });
    return secret;
  });
  return afterCommit(ctx, deps, { tenantId: ctx.tenant.id, nasId: input.id, op: "update" }, work);
}
