import { randomBytes, randomUUID } from "node:crypto";
import { seal, unseal } from "@proxpanel/auth";
import { type NasDevice, nasHealth, nasRoutes, superAdminAudit } from "@proxpanel/db";
import { and, asc, count, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { type ListInput, likeEscape, type Page } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { type NasHealth, nasHealthOf } from "../traffic/traffic.ts";

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
  statusServer?: boolean | undefined;
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
  /** CLAIM_TTL_HOURS: how long another tenant's unverified claim on an address holds (default 72). */
  claimTtlHours?: number;
}

export type PublicNas = Omit<NasDevice, "secretEnc">;

const sealContext = (id: string) => `nas:${id}`;

export function publicNas(row: NasDevice): PublicNas {
  const { secretEnc: _s, ...rest } = row;
  return rest;
}

const UNKNOWN_HEALTH: NasHealth = {
  status: "unknown",
  statusSince: null,
  lastSeenAt: null,
  lastAcctAt: null,
  probe: null,
  silentReason: null,
};

/** 24 random bytes as base64url: 32 printable characters every NAS vendor accepts. */
export const generateSecret = () => randomBytes(24).toString("base64url");

const conflict = conflictOn((c) =>
  c === "nas_devices_name_key"
    ? "A NAS with this name already exists."
    : "A NAS with this address and NAS-Identifier already exists.",
);

/**
 * The RADIUS daemon picks a tenant from (source address, NAS-Identifier): an exact identifier
 * match first, else the address's one identifier-less route. Within a tenant an address holds
 * one identifier-less route or routes with distinct identifiers. Across tenants only the same
 * (address, identifier) pair clashes, and an unverified claim on it (no RADIUS packet from the
 * address has proved its secret) gives way once it is older than CLAIM_TTL_HOURS, or at once to a
 * tenant whose own NAS at that address is verified. Refusals never say who holds the address.
 * Serialised per address by an advisory lock so two concurrent claims cannot both pass the check.
 */
async function claimRoute(
  deps: NasDeps,
  ctx: ServiceCtx,
  nasId: string,
  ipAddress: string,
  identifier: string | null,
): Promise<NasEvent | undefined> {
  await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext('nas:' || host(${ipAddress}::inet)))`);
  const atAddress = await ctx.db
    .select({
      nasId: nasRoutes.nasId,
      tenantId: nasRoutes.tenantId,
      identifier: nasRoutes.identifier,
      claimedAt: nasRoutes.claimedAt,
      verifiedAt: nasRoutes.verifiedAt,
    })
    .from(nasRoutes)
    .where(sql`${nasRoutes.ipAddress} = ${ipAddress}::inet`);
  const others = atAddress.filter((r) => r.nasId !== nasId);
  const mine = others.filter((r) => r.tenantId === ctx.tenant.id);
  if (mine.some((r) => r.identifier === null)) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      `The address ${ipAddress} is already used by another of your NAS without a NAS-Identifier, so RADIUS requests from it cannot be told apart; give both a NAS-Identifier or use a different address.`,
    );
  }
  if (identifier === null && mine.length > 0) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      `The address ${ipAddress} is already used by another of your NAS; set a NAS-Identifier that tells this NAS apart.`,
    );
  }
  if (mine.some((r) => r.identifier === identifier)) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      `Another of your NAS already uses ${ipAddress} with NAS-Identifier "${identifier}"; choose another identifier.`,
    );
  }
  const clash = others.find((r) => r.tenantId !== ctx.tenant.id && r.identifier === identifier);
  if (clash) {
    const lapsed = clash.claimedAt.getTime() < Date.now() - (deps.claimTtlHours ?? 72) * 3_600_000;
    // This tenant's own NAS at the address (this one included, before it moves) proved its secret.
    const challenger = atAddress.some((r) => r.tenantId === ctx.tenant.id && r.verifiedAt !== null);
    if (clash.verifiedAt || !(lapsed || challenger)) {
      throw new AppError(
        409,
        ErrorCode.conflict,
        identifier === null
          ? `The address ${ipAddress} cannot be used without a NAS-Identifier; set the NAS-Identifier this NAS sends.`
          : `The address ${ipAddress} with NAS-Identifier "${identifier}" cannot be used; choose another identifier.`,
      );
    }
    // The unverified claim gives way; the operators' log keeps who lost the route.
    await ctx.db.delete(nasRoutes).where(eq(nasRoutes.nasId, clash.nasId));
    await ctx.db.insert(superAdminAudit).values({
      superAdminId: null,
      actor: `tenant:${ctx.tenant.slug}`,
      action: "nas_route.released",
      tenantId: clash.tenantId,
      details: {
        nasId: clash.nasId,
        ipAddress,
        identifier,
        reason: lapsed ? "expired" : "challenged",
        claimedBy: ctx.tenant.id,
      },
    });
  }
  await ctx.db
    .insert(nasRoutes)
    .values({ nasId, tenantId: ctx.tenant.id, ipAddress, identifier })
    .onConflictDoUpdate({
      target: nasRoutes.nasId,
      // A new address or identifier is a new claim: it has to be proved again.
      set: { ipAddress, identifier, claimedAt: new Date(), verifiedAt: null, updatedAt: new Date() },
    })
    .catch(conflict);
  return clash ? { tenantId: clash.tenantId, nasId: clash.nasId, op: "delete" } : undefined;
}

async function loadForUpdate(ctx: ServiceCtx, id: string) {
  const { t } = ctx.tenant;
  const row = (await ctx.db.select().from(t.nasDevices).where(eq(t.nasDevices.id, id)).for("update").limit(1))[0];
  if (!row) throw notFound("NAS not found");
  return row;
}

/**
 * Publishes only when this call owned the transaction, i.e. after the commit; `also` names the
 * events of other tenants whose unverified route this change took over.
 */
async function afterCommit<T>(
  ctx: ServiceCtx,
  deps: NasDeps,
  event: NasEvent,
  work: Promise<T>,
  also: (NasEvent | undefined)[] = [],
): Promise<T> {
  const result = await work;
  if (ctx.db === ctx.tenant.db) {
    for (const e of [event, ...also]) if (e) await deps.publish(e);
  }
  return result;
}

export async function listNas({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: ListInput<(typeof NAS_SORTS)[number]> & { type?: "mikrotik" | "generic" | undefined };
}): Promise<Page<PublicNas & { health: NasHealth }>> {
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
  // Health (last seen, status, last probe) from the registry, one query for the page.
  const health = await nasHealthOf(
    ctx,
    rows.map((r) => r.id),
  );
  const items = rows.map((r) => ({ ...publicNas(r), health: health.get(r.id) ?? UNKNOWN_HEALTH }));
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

export async function getNas({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string };
}): Promise<PublicNas & { health: NasHealth }> {
  const { t } = ctx.tenant;
  const row = (await ctx.db.select().from(t.nasDevices).where(eq(t.nasDevices.id, input.id)).limit(1))[0];
  if (!row) throw notFound("NAS not found");
  const health = await nasHealthOf(ctx, [row.id]);
  return { ...publicNas(row), health: health.get(row.id) ?? UNKNOWN_HEALTH };
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
  const released: (NasEvent | undefined)[] = [];
  const work = inTransaction(ctx, async (tx) => {
    released.push(await claimRoute(deps, tx, id, input.ipAddress, identifier));
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
  return afterCommit(ctx, deps, { tenantId: ctx.tenant.id, nasId: id, op: "create" }, work, released);
}

export async function updateNas(
  deps: NasDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string; changes: Partial<NasFields> } },
): Promise<PublicNas> {
  const { t } = ctx.tenant;
  const released: (NasEvent | undefined)[] = [];
  const work = inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    const ipAddress = input.changes.ipAddress ?? before.ipAddress;
    const identifier = input.changes.identifier === undefined ? before.identifier : input.changes.identifier;
    if (ipAddress !== before.ipAddress || identifier !== before.identifier) {
      released.push(await claimRoute(deps, tx, input.id, ipAddress, identifier));
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
  return afterCommit(ctx, deps, { tenantId: ctx.tenant.id, nasId: input.id, op: "update" }, work, released);
}

/** Also drops the NAS's route and WireGuard peer: nothing may keep pointing at a deleted NAS. */
export async function deleteNas(deps: NasDeps, { ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const work = inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    await tx.db.delete(t.wireguardPeers).where(eq(t.wireguardPeers.nasId, input.id));
    await tx.db.delete(nasRoutes).where(eq(nasRoutes.nasId, input.id));
    await tx.db.delete(nasHealth).where(eq(nasHealth.nasId, input.id));
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
