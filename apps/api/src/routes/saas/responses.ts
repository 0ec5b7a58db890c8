import { alerts, mailOutbox, superAdminAudit, tenants } from "@proxpanel/db";
import { z } from "zod";
import { MODULES } from "../../middleware/modules.ts";
import { keysetOf, pageOf, rowSchema } from "../../openapi.ts";

/** An operator signed in; without an enrolled authenticator the token only reaches TOTP enrolment. */
export const superAdminLogin = z.object({ token: z.string(), totpEnrolled: z.boolean(), mustEnrolTotp: z.boolean() });
export const superAdminMe = z.object({
  superAdmin: z.object({ realm: z.literal("superadmin"), superAdminId: z.uuid(), email: z.string(), mfa: z.boolean() }),
});
/** The TOTP secret to scan, once; confirmed with a first code. */
export const totpEnrolment = z.object({ secret: z.string(), otpauthUri: z.string() });
/** A token with MFA, reaching the whole console. */
export const tokenBody = z.object({ token: z.string() });

/** The console's own audit trail. */
export const consoleAuditPage = keysetOf(
  rowSchema(superAdminAudit).extend({ details: z.record(z.string(), z.json()) }),
);
/** A system mail (a queued reset mail's body is withheld: it holds the link). */
export const mailRow = rowSchema(mailOutbox);
export const mailPage = pageOf(mailRow);

const probe = { ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() };
const counters = z.record(z.string(), z.number());
/** Database connections, shared state, object store and RADIUS rates, each probed with a deadline. */
export const systemHealthBody = z.object({
  checkedAt: z.iso.datetime(),
  database: z.object({
    ...probe,
    maxConnections: z.number().int().nullable(),
    connections: z.number().int().nullable(),
    connectionsToThisDatabase: z.number().int().nullable(),
    byState: counters,
    percentUsed: z.number().nullable(),
  }),
  sharedState: z.object({ kind: z.enum(["redis", "memory", "postgres"]), ...probe }),
  objectStore: z.object(probe),
  radius: z.object({
    instances: z.array(
      z.object({ instanceId: z.string(), host: z.string(), at: z.iso.datetime(), rates: counters, totals: counters }),
    ),
    rates: z.object({
      received: z.number(),
      accessRequests: z.number(),
      accessAccepts: z.number(),
      accessRejects: z.number(),
      accountingRequests: z.number(),
      dropped: z.number(),
      errors: z.number(),
    }),
  }),
});

/** Backups per tenant against its plan's quota. */
export const backupHealthList = z.object({
  items: z.array(
    z.object({
      tenantId: z.uuid(),
      slug: z.string(),
      plan: z.string(),
      quotaBytes: z.number(),
      usedBytes: z.number(),
      /** PostgreSQL's text form of the newest archive's time (null: none yet). */
      lastBackupAt: z.string().nullable(),
      pendingUploads: z.number().int(),
      openAlerts: z.number().int(),
      percent: z.number(),
    }),
  ),
});
export const alertRow = rowSchema(alerts);
export const clusterArchives = z.object({
  items: z.array(z.object({ filename: z.string(), sizeBytes: z.number(), createdAt: z.iso.datetime() })),
});
/** A cluster-wide archive just taken (uploaded: false when the store was unreachable). */
export const clusterArchive = z.object({
  backup: z.object({
    filename: z.string(),
    bytes: z.number(),
    sha256: z.string(),
    uploaded: z.boolean(),
    removed: z.array(z.string()),
  }),
});
/** A restore into a throw-away schema, compared with the archive's manifest table by table. */
export const dryRunBody = z.object({
  report: z.object({
    ok: z.boolean(),
    scratchSchema: z.string(),
    schemaVersion: z.number().int(),
    migrated: z.boolean(),
    tables: z.array(
      z.object({
        name: z.string(),
        expectedRows: z.number().int(),
        actualRows: z.number().int(),
        checksumMatches: z.boolean().nullable(),
      }),
    ),
  }),
});

/** A tenant as the registry holds it (never its signing secret). */
export const tenantRow = rowSchema(tenants)
  .omit({ secret: true })
  // `plan` references a row of public.plans: the seeded codes, or any plan an operator added
  // (so not an enum of the seed). Modules are the ones the API knows.
  .extend({ plan: z.string(), modules: z.array(z.enum(MODULES)).nullable() });
/** With what the console's list shows beside it: subscribers, storage and the last backup. */
export const tenantWithStats = tenantRow.extend({
  subscribers: z.number().int(),
  activeSubscribers: z.number().int(),
  backupBytes: z.number(),
  schemaBytes: z.number(),
  lastBackupAt: z.iso.datetime().nullable(),
  storageBytes: z.number(),
});
export const tenantPage = pageOf(tenantWithStats);
