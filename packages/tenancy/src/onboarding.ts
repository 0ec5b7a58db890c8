import { randomBytes } from "node:crypto";
import { ALL, hashPassword } from "@proxpanel/auth";
import {
  type Db,
  latestTenantVersion,
  migrateTenantSchema,
  PG_UNIQUE_VIOLATION,
  pgError,
  plans,
  type Tenant,
  type Tx,
  tenants,
} from "@proxpanel/db";
import { claimSpareSchema } from "@proxpanel/db/migrate/spares";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import { eq, sql } from "drizzle-orm";
import { type Actor, isValidTimezone, recordSuperAdminAudit } from "./actor.ts";
import { TenancyError } from "./errors.ts";
import type { TenantResolver } from "./resolver.ts";
import { assertValidSlug, schemaNameFor } from "./slug.ts";

export interface OnboardingInput {
  slug: string;
  companyName: string;
  plan: string;
  adminEmail: string;
  adminPassword: string;
  adminName?: string | undefined;
  timezone?: string | undefined;
  subscriberCap?: number | undefined;
}

export type OnboardingStage = "registry" | "schema" | "admin";

export interface OnboardingDeps {
  db: Db;
  resolver?: TenantResolver;
  /** Test hook: throwing from it at a stage must leave nothing behind. */
  failpoint?: (stage: OnboardingStage) => void | Promise<void>;
  /**
   * Runs inside the signup transaction (e.g. queueing the welcome e-mail): it commits with the tenant
   * or not at all. `owner` is the new owner user, for a caller that signs it in (the signup's handoff).
   */
  onCreated?: (tx: Tx, tenant: Tenant, owner: { id: string; sessionVersion: number }) => Promise<void>;
  /** Builds the schema one statement at a time, as before it was pipelined: the bench's "before". */
  stepwiseSchema?: boolean;
  /**
   * Take a spare schema the worker built ahead (`TENANT_SPARE_SCHEMAS`) when one is ready, instead of
   * building the schema here. Default true; false builds it always (the bench's other paths).
   */
  useSpareSchema?: boolean;
}

export const DEFAULT_BRANDING = {
  primaryColor: "#1d4ed8",
  secondaryColor: "#0f172a",
  accentColor: "#f59e0b",
  logoUrl: null,
  faviconUrl: null,
  loginBackgroundUrl: null,
  customCss: "",
} as const;

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = pgError(err);
  return e?.code === PG_UNIQUE_VIOLATION && e.constraint_name === constraint;
}

/** `tenant_<slug>`, or with a numeric suffix when a renamed tenant still owns that schema. */
async function freeSchemaName(tx: Tx, slug: string): Promise<string> {
  const base = schemaNameFor(slug);
  for (let n = 1; n < 100; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    const rows = await tx.execute(sql`select 1 from pg_namespace where nspname = ${name}`);
    if (rows.length === 0) return name;
  }
  throw new TenancyError("slug_taken", "No free schema name for this slug.");
}

/**
 * Creates a tenant in one transaction: registry row, schema with every tenant table at the current
 * version, an owner with full permissions, default preferences. Any failure rolls all of it back.
 */
export async function onboardTenant(deps: OnboardingDeps, input: OnboardingInput, actor: Actor): Promise<Tenant> {
  const slug = input.slug.trim().toLowerCase();
  assertValidSlug(slug);
  const timezone = input.timezone ?? "UTC";
  if (!isValidTimezone(timezone)) throw new TenancyError("invalid_state", `Unknown timezone "${timezone}".`);
  // Hashing is deliberately slow; do it before the transaction so locks are held briefly.
  const passwordHash = await hashPassword(input.adminPassword);

  let tenant: Tenant;
  try {
    tenant = await deps.db.transaction(async (tx) => {
      const plan = (await tx.select().from(plans).where(eq(plans.code, input.plan)).limit(1))[0];
      if (!plan) throw new TenancyError("unknown_plan", `Unknown plan "${input.plan}".`);
      const schemaName = await freeSchemaName(tx, slug);
      const [row] = await tx
        .insert(tenants)
        .values({
          slug,
          schemaName,
          companyName: input.companyName,
          plan: plan.code,
          subscriberCap: input.subscriberCap ?? plan.defaultSubscriberCap,
          timezone,
          secret: randomBytes(32).toString("hex"),
        })
        .returning();
      if (!row) throw new Error("tenant insert returned nothing");
      await deps.failpoint?.("registry");

      // A ready spare is renamed into place (one catalog row); without one the schema is built here.
      const spare = (deps.useSpareSchema ?? !deps.stepwiseSchema) && (await claimSpareSchema(tx, schemaName));
      const version = spare
        ? latestTenantVersion()
        : await migrateTenantSchema(tx, schemaName, { create: true, stepwise: deps.stepwiseSchema ?? false });
      await tx.update(tenants).set({ schemaVersion: version }).where(eq(tenants.id, row.id));
      row.schemaVersion = version;
      await deps.failpoint?.("schema");

      const t = tenantTables(schemaName);
      const [group] = await tx
        .insert(t.permissionGroups)
        .values({ name: "Administrators", description: "Full access", permissions: [ALL], isSystem: true })
        .returning({ id: t.permissionGroups.id });
      const [owner] = await tx
        .insert(t.users)
        .values({
          email: input.adminEmail.toLowerCase(),
          name: input.adminName ?? "",
          passwordHash,
          isOwner: true,
          permissionGroupId: group?.id ?? null,
        })
        .returning({ id: t.users.id, sessionVersion: t.users.sessionVersion });
      if (!owner) throw new Error("owner insert returned nothing");
      await tx.insert(t.systemPreferences).values([
        { key: "company_name", value: input.companyName },
        { key: "timezone", value: timezone },
        { key: "branding", value: DEFAULT_BRANDING },
      ]);
      await tx.insert(t.auditLogs).values({
        actorUserId: null,
        actor: actor.label,
        action: "tenant.created",
        entityType: "tenant",
        entityId: row.id,
        details: { slug, plan: plan.code, ownerId: owner.id },
        ip: actor.ip ?? null,
        requestId: actor.requestId ?? null,
      });
      await recordSuperAdminAudit(tx, actor, "tenant.create", row.id, { slug, plan: plan.code });
      await deps.onCreated?.(tx, row, owner);
      await deps.failpoint?.("admin");
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err, "tenants_slug_key")) {
      throw new TenancyError("slug_taken", `The slug "${slug}" is already taken.`);
    }
    throw err;
  }
  // The host may have been cached as unknown a moment ago.
  await deps.resolver?.invalidate({ tenantId: tenant.id, hosts: [deps.resolver.hostFor(slug)] });
  return tenant;
}
