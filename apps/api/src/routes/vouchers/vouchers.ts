import { and, asc, count, desc, eq, type SQL, sql } from "drizzle-orm";
import { AppError, ErrorCode, forbidden, notFound } from "../../errors.ts";
import { likeEscape, type Page } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { changeResellerBalance } from "../../services/billing.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { codeBits, DEFAULT_ALPHABET, DEFAULT_CODE_LENGTH, freshCodes, MIN_CODE_BITS } from "./codes.ts";

export const VOUCHER_STATES = ["unused", "active", "used_up", "expired", "disabled"] as const;
export type VoucherState = (typeof VOUCHER_STATES)[number];

export interface BatchInput {
  name?: string | undefined;
  count: number;
  planId?: string | null | undefined;
  timeLimitS?: number | null | undefined;
  dataLimitBytes?: number | null | undefined;
  rateLimit?: string | null | undefined;
  validityS?: number | null | undefined;
  priceCents?: number | undefined;
  codeLength?: number | undefined;
  alphabet?: string | undefined;
  prefix?: string | undefined;
  /** Staff only: the reseller the batch is sold to (charged count x price). */
  resellerId?: string | null | undefined;
}

type Tables = ServiceCtx["tenant"]["t"];

/** What a voucher is now: "expired" is not stored, it is an active voucher past its expiry. */
const stateSql = (v: Tables["vouchers"]) =>
  sql<VoucherState>`case when ${v.status} = 'active' and ${v.expiresAt} <= now() then 'expired' else ${v.status} end`;

function stateFilter(v: Tables["vouchers"], state: VoucherState): SQL {
  if (state === "expired") return sql`${v.status} = 'active' and ${v.expiresAt} <= now()`;
  if (state === "active") return sql`${v.status} = 'active' and (${v.expiresAt} is null or ${v.expiresAt} > now())`;
  return eq(v.status, state);
}

/** A reseller's login sees only the batches it bought. */
const batchScope = (ctx: ServiceCtx): SQL | undefined =>
  ctx.actor.resellerId ? eq(ctx.tenant.t.voucherBatches.resellerId, ctx.actor.resellerId) : undefined;
const voucherScope = (ctx: ServiceCtx): SQL | undefined =>
  ctx.actor.resellerId ? eq(ctx.tenant.t.vouchers.resellerId, ctx.actor.resellerId) : undefined;

/**
 * How many of each batch's vouchers are in each state, and how many were ever used (first login
 * set: a used voucher disabled afterwards counts here, not only under "disabled"), in one pass over
 * the batch's vouchers (one range of vouchers_batch_idx per batch, not one per count).
 */
const batchCounts = (ctx: ServiceCtx) => {
  const v = ctx.tenant.t.vouchers;
  const n = (where: SQL) => sql<number>`(count(*) filter (where ${where}))::int`;
  return ctx.db
    .select({
      unused: n(stateFilter(v, "unused")).as("unused"),
      active: n(stateFilter(v, "active")).as("active"),
      usedUp: n(stateFilter(v, "used_up")).as("used_up"),
      expired: n(stateFilter(v, "expired")).as("expired"),
      disabled: n(stateFilter(v, "disabled")).as("disabled"),
      used: n(sql`${v.firstUsedAt} is not null`).as("used"),
    })
    .from(v)
    .where(eq(v.batchId, ctx.tenant.t.voucherBatches.id))
    .as("counts");
};

/** A batch's row, names and counts: select these from voucher_batches cross-joined lateral with batchCounts. */
const batchColumns = (t: Tables, counts: ReturnType<typeof batchCounts>) => {
  const b = t.voucherBatches;
  return {
    batch: b,
    planName: sql<string | null>`(select p.name from ${t.servicePlans} p where p.id = ${b}.plan_id)`,
    resellerName: sql<string | null>`(select r.name from ${t.resellers} r where r.id = ${b}.reseller_id)`,
    unused: counts.unused,
    active: counts.active,
    usedUp: counts.usedUp,
    expired: counts.expired,
    disabled: counts.disabled,
    used: counts.used,
  };
};

type BatchRow = { batch: Tables["voucherBatches"]["$inferSelect"] } & Record<string, unknown>;
const flatten = <R extends BatchRow>({ batch, ...rest }: R) => ({ ...batch, ...rest });

export async function listBatches({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { page: number; limit: number; search?: string | undefined; resellerId?: string | undefined };
}) {
  const { t } = ctx.tenant;
  const b = t.voucherBatches;
  const f: (SQL | undefined)[] = [batchScope(ctx)];
  if (input.search) f.push(sql`lower(${b.name}) like ${`%${likeEscape(input.search.toLowerCase())}%`}`);
  if (input.resellerId) f.push(eq(b.resellerId, input.resellerId));
  const where = and(...f);
  const counts = batchCounts(ctx);
  const [rows, totals] = await Promise.all([
    ctx.db
      .select(batchColumns(t, counts))
      .from(b)
      .crossJoinLateral(counts)
      .where(where)
      .orderBy(desc(b.createdAt), asc(b.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(b).where(where),
  ]);
  const items = rows.map(flatten);
  const page: Page<(typeof items)[number]> = { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
  return page;
}

export async function getBatch({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const counts = batchCounts(ctx);
  const [row] = await ctx.db
    .select(batchColumns(t, counts))
    .from(t.voucherBatches)
    .crossJoinLateral(counts)
    .where(and(eq(t.voucherBatches.id, input.id), batchScope(ctx)))
    .limit(1);
  if (!row) throw notFound("Voucher batch not found");
  return flatten(row);
}

const bad = (message: string) => new AppError(400, ErrorCode.validation, message);

/**
 * A batch and its codes in one transaction, with the reseller's charge (count x price) when a
 * reseller buys it: an insufficient balance refuses the whole batch and nothing is created.
 */
export async function createBatch({ ctx, input }: { ctx: ServiceCtx; input: BatchInput }) {
  const { t } = ctx.tenant;
  const alphabet = input.alphabet ?? DEFAULT_ALPHABET;
  const codeLength = input.codeLength ?? DEFAULT_CODE_LENGTH;
  const prefix = input.prefix ?? "";
  const priceCents = input.priceCents ?? 0;
  // Codes are unique and looked up case-insensitively: "a" and "A" are one character at login.
  if (new Set(alphabet.toLowerCase()).size !== alphabet.length) {
    throw bad("alphabet: characters must not repeat (a letter in both cases counts as a repeat)");
  }
  if (codeBits(alphabet, codeLength) < MIN_CODE_BITS) {
    throw bad(
      `codeLength: ${codeLength} characters from ${alphabet.length} give fewer than ${MIN_CODE_BITS} bits; make the codes longer or the alphabet larger`,
    );
  }
  if (!input.timeLimitS && !input.dataLimitBytes && !input.validityS) {
    throw bad("timeLimitS: a voucher needs a time limit, a data limit or a validity (or several)");
  }
  if (ctx.actor.resellerId && input.resellerId && input.resellerId !== ctx.actor.resellerId) {
    throw forbidden("A reseller can only buy vouchers for itself");
  }
  const resellerId = ctx.actor.resellerId ?? input.resellerId ?? null;
  const batchId = await inTransaction(ctx, async (tx) => {
    if (input.planId) {
      const [plan] = await tx.db
        .select({ id: t.servicePlans.id })
        .from(t.servicePlans)
        .where(eq(t.servicePlans.id, input.planId))
        .limit(1);
      if (!plan) throw bad("planId: no such plan");
    }
    if (resellerId) {
      const [r] = await tx.db
        .select({ id: t.resellers.id, isActive: t.resellers.isActive })
        .from(t.resellers)
        .where(eq(t.resellers.id, resellerId))
        .limit(1);
      if (!r) throw bad("resellerId: no such reseller");
      if (!r.isActive) throw bad("resellerId: the reseller is deactivated");
    }
    const [batch] = await tx.db
      .insert(t.voucherBatches)
      .values({
        name: input.name ?? "",
        count: input.count,
        planId: input.planId ?? null,
        timeLimitS: input.timeLimitS ?? null,
        dataLimitBytes: input.dataLimitBytes ?? null,
        rateLimit: input.rateLimit ?? null,
        validityS: input.validityS ?? null,
        priceCents,
        codeLength,
        alphabet,
        prefix,
        createdBy: ctx.actor.userId,
        resellerId,
        chargedCents: resellerId ? priceCents * input.count : 0,
      })
      .returning();
    if (!batch) throw new Error("insert returned nothing");
    const codes = await insertCodes(tx, batch.id, input.count, { prefix, alphabet, codeLength, resellerId });
    let transactionId: number | null = null;
    if (resellerId && batch.chargedCents > 0) {
      const charge = await changeResellerBalance({
        ctx: tx,
        input: {
          resellerId,
          amountCents: -batch.chargedCents,
          type: "reseller_charge",
          description: `${input.count} vouchers${batch.name ? ` (${batch.name})` : ""}`,
        },
      });
      transactionId = charge.id;
    }
    await writeAudit(tx, {
      action: "voucher_batch.create",
      entityType: "voucher_batch",
      entityId: batch.id,
      // The codes themselves stay out of the audit log: it is readable more widely than they are.
      details: { after: batch, vouchers: codes, transactionId },
    });
    return batch.id;
  });
  return getBatch({ ctx, input: { id: batchId } });
}

/**
 * Inserts `n` fresh codes. A code already used in the tenant (by a voucher or as a subscriber's
 * username, which RADIUS would look up first) is drawn again.
 */
async function insertCodes(
  ctx: ServiceCtx,
  batchId: string,
  n: number,
  shape: { prefix: string; alphabet: string; codeLength: number; resellerId: string | null },
): Promise<number> {
  const { t } = ctx.tenant;
  let missing = n;
  for (let round = 0; missing > 0 && round < 5; round++) {
    const codes = freshCodes(missing, shape.prefix, shape.alphabet, shape.codeLength);
    const lowered = JSON.stringify(codes.map((c) => c.toLowerCase()));
    const clash = await ctx.db.execute<{ k: string }>(sql`
      select lower(username) as k from ${t.subscribers}
      where lower(username) in (select jsonb_array_elements_text(${lowered}::jsonb))`);
    const usernames = new Set(clash.map((r) => r.k));
    const values = codes
      .filter((c) => !usernames.has(c.toLowerCase()))
      .map((code) => ({ batchId, code, resellerId: shape.resellerId }));
    if (!values.length) continue;
    // The unique index on lower(code) settles clashes with existing vouchers (and concurrent batches).
    const inserted = await ctx.db
      .insert(t.vouchers)
      .values(values)
      .onConflictDoNothing()
      .returning({ id: t.vouchers.id });
    missing -= inserted.length;
  }
  if (missing > 0) throw new AppError(409, ErrorCode.conflict, "Could not draw enough unique codes; use longer codes.");
  return n;
}

export async function listVouchers({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: {
    page: number;
    limit: number;
    search?: string | undefined;
    batchId?: string | undefined;
    state?: VoucherState | undefined;
  };
}) {
  const { t } = ctx.tenant;
  const v = t.vouchers;
  const f: (SQL | undefined)[] = [voucherScope(ctx)];
  if (input.batchId) f.push(eq(v.batchId, input.batchId));
  if (input.state) f.push(stateFilter(v, input.state));
  if (input.search) f.push(sql`lower(${v.code}) like ${`${likeEscape(input.search.toLowerCase())}%`}`);
  const where = and(...f);
  const [rows, totals] = await Promise.all([
    ctx.db
      .select({
        id: v.id,
        batchId: v.batchId,
        code: v.code,
        state: stateSql(v),
        firstUsedAt: v.firstUsedAt,
        expiresAt: v.expiresAt,
        usedSeconds: v.usedSeconds,
        usedBytes: v.usedBytes,
        lastUsedAt: v.lastUsedAt,
        resellerId: v.resellerId,
        createdAt: v.createdAt,
        timeLimitS: t.voucherBatches.timeLimitS,
        dataLimitBytes: t.voucherBatches.dataLimitBytes,
        validityS: t.voucherBatches.validityS,
        priceCents: t.voucherBatches.priceCents,
      })
      .from(v)
      .innerJoin(t.voucherBatches, eq(t.voucherBatches.id, v.batchId))
      .where(where)
      .orderBy(desc(v.createdAt), asc(v.code))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(v).where(where),
  ]);
  const page: Page<(typeof rows)[number]> = {
    items: rows,
    total: totals[0]?.n ?? 0,
    page: input.page,
    limit: input.limit,
  };
  return page;
}

/** Every voucher of a batch in code order, for the CSV and the printed cards. */
export async function batchVouchers(ctx: ServiceCtx, batchId: string) {
  const { t } = ctx.tenant;
  const v = t.vouchers;
  return ctx.db
    .select({
      code: v.code,
      state: stateSql(v),
      firstUsedAt: v.firstUsedAt,
      expiresAt: v.expiresAt,
      usedSeconds: v.usedSeconds,
      usedBytes: v.usedBytes,
    })
    .from(v)
    .where(and(eq(v.batchId, batchId), voucherScope(ctx)))
    .orderBy(asc(v.code));
}

/**
 * Disables (or re-enables) one voucher. Re-enabling puts it back where its use left it: unused,
 * active, or used up (its limits are checked again by RADIUS from its counters).
 */
export async function setVoucherDisabled({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string; disabled: boolean };
}) {
  const { t } = ctx.tenant;
  const v = t.vouchers;
  return inTransaction(ctx, async (tx) => {
    const [before] = await tx.db
      .select()
      .from(v)
      .where(and(eq(v.id, input.id), voucherScope(tx)))
      .for("update")
      .limit(1);
    if (!before) throw notFound("Voucher not found");
    const status = input.disabled ? "disabled" : before.firstUsedAt ? "active" : "unused";
    const [after] = await tx.db.update(v).set({ status, updatedAt: new Date() }).where(eq(v.id, input.id)).returning();
    await writeAudit(tx, {
      action: input.disabled ? "voucher.disable" : "voucher.enable",
      entityType: "voucher",
      entityId: input.id,
      details: { batchId: before.batchId, before: { status: before.status }, after: { status } },
    });
    return after ?? before;
  });
}

/**
 * Deletes one voucher never used, disabled or not, for staff and a reseller's login alike (the
 * login reaches only its own vouchers, 404 otherwise). "Used" is `first_used_at`: the first
 * accepted login sets it, and accounting sets it in the transaction that records any session, so
 * a voucher with a session has it too (radacct itself has no username index to look in). A
 * voucher bought by a reseller goes back to that reseller's balance in the same transaction. A
 * used voucher is 409, as a batch with one is: its use is history, and it was sold (disable it
 * instead). Disabling refunds nothing, so a disabled voucher is refunded once, when deleted.
 */
export async function deleteVoucher({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const v = t.vouchers;
  await inTransaction(ctx, async (tx) => {
    const [found] = await tx.db
      .select({ batchId: v.batchId })
      .from(v)
      .where(and(eq(v.id, input.id), voucherScope(tx)))
      .limit(1);
    if (!found) throw notFound("Voucher not found");
    // The batch first, as deleteBatch locks it: a parallel deletion of the batch or of this
    // voucher waits here, and then finds the voucher gone (404) instead of refunding it again.
    const batch = await lockBatch(tx, found.batchId);
    // Locked too, so a first use written meanwhile (RADIUS updates the row) is seen before the refund.
    const [before] = await tx.db
      .select()
      .from(v)
      .where(and(eq(v.id, input.id), voucherScope(tx)))
      .for("update")
      .limit(1);
    if (!before) throw notFound("Voucher not found");
    if (before.firstUsedAt) {
      throw new AppError(
        409,
        ErrorCode.conflict,
        "This voucher has been used, so it cannot be deleted or refunded; only vouchers never used can be. Disable it instead.",
      );
    }
    await tx.db.delete(v).where(eq(v.id, input.id));
    const refund = await refundUnused(tx, batch, 1);
    await writeAudit(tx, {
      action: "voucher.delete",
      entityType: "voucher",
      entityId: input.id,
      details: { before: { ...before, code: undefined }, ...refund },
    });
  });
}

/**
 * Gives a reseller back the price of `unused` vouchers of a batch it paid for (never used, disabled
 * or not: they can no longer be sold), as a balance transaction, and lowers the batch's charged amount to match, so the same
 * voucher is never refunded twice. Nothing for a batch nobody was charged for.
 */
async function refundUnused(
  tx: ServiceCtx,
  batch: Tables["voucherBatches"]["$inferSelect"],
  unused: number,
): Promise<{ refundedCents: number; refundedTo: string; transactionId: number } | null> {
  const amount = Math.min(batch.priceCents * unused, batch.chargedCents);
  if (!batch.resellerId || amount <= 0) return null;
  const b = tx.tenant.t.voucherBatches;
  await tx.db
    .update(b)
    .set({ chargedCents: sql`${b.chargedCents} - ${amount}`, updatedAt: new Date() })
    .where(eq(b.id, batch.id));
  batch.chargedCents -= amount;
  const row = await changeResellerBalance({
    ctx: tx,
    input: {
      resellerId: batch.resellerId,
      amountCents: amount,
      type: "adjustment",
      description: `Refund: ${unused} unused voucher${unused === 1 ? "" : "s"}${batch.name ? ` (${batch.name})` : ""} deleted`,
    },
  });
  return { refundedCents: amount, refundedTo: batch.resellerId, transactionId: row.id };
}

/** Disables every voucher of a batch not already disabled (a lost or stolen print run). */
export async function disableBatch({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    const batch = await lockBatch(tx, input.id);
    const changed = await tx.db
      .update(t.vouchers)
      .set({ status: "disabled", updatedAt: new Date() })
      .where(and(eq(t.vouchers.batchId, batch.id), sql`${t.vouchers.status} <> 'disabled'`))
      .returning({ id: t.vouchers.id });
    await writeAudit(tx, {
      action: "voucher_batch.disable",
      entityType: "voucher_batch",
      entityId: batch.id,
      details: { disabled: changed.length },
    });
    return { disabled: changed.length };
  });
}

/**
 * Deletes a batch and its vouchers. Refused once any of them has been used: its usage is history
 * (disable the batch instead). A reseller that bought it gets the price of the vouchers deleted
 * (all never used, disabled ones included, as for one voucher) back on its balance, in the same transaction. A reseller's login may delete its own batches only.
 */
export async function deleteBatch({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    const batch = await lockBatch(tx, input.id);
    // Only rows never used go; what is left was used (the RADIUS daemon writes a first login before
    // its Accept, without the batch's lock, so one may commit at any moment up to this delete), and
    // then the batch stays and the transaction undoes the delete.
    const removed = await tx.db
      .delete(t.vouchers)
      .where(and(eq(t.vouchers.batchId, batch.id), sql`${t.vouchers.firstUsedAt} is null`))
      .returning({ id: t.vouchers.id });
    const [used] = await tx.db.select({ n: count() }).from(t.vouchers).where(eq(t.vouchers.batchId, batch.id));
    if (used?.n) {
      throw new AppError(409, ErrorCode.conflict, `${used.n} vouchers of this batch were used; disable it instead.`);
    }
    const before = { ...batch };
    const refund = await refundUnused(tx, batch, removed.length);
    await tx.db.delete(t.voucherBatches).where(eq(t.voucherBatches.id, batch.id));
    await writeAudit(tx, {
      action: "voucher_batch.delete",
      entityType: "voucher_batch",
      entityId: batch.id,
      details: { before, vouchers: removed.length, ...refund },
    });
  });
}

async function lockBatch(ctx: ServiceCtx, id: string) {
  const { t } = ctx.tenant;
  const [batch] = await ctx.db
    .select()
    .from(t.voucherBatches)
    .where(and(eq(t.voucherBatches.id, id), batchScope(ctx)))
    .for("update")
    .limit(1);
  if (!batch) throw notFound("Voucher batch not found");
  return batch;
}
