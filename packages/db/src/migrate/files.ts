import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TEMPLATE_SCHEMA } from "../tenant/template.ts";

export const PUBLIC_MIGRATIONS_DIR = fileURLToPath(new URL("../../../../drizzle/public", import.meta.url));
export const TENANT_MIGRATIONS_DIR = fileURLToPath(new URL("../../../../drizzle/tenant", import.meta.url));

export interface TenantMigration {
  /** drizzle-kit's tag, e.g. "0000_core"; what the per-schema tracking table records. */
  id: string;
  /** 1-based position; `tenants.schema_version` holds the highest applied. */
  version: number;
  /** Statements with the template schema name left as a placeholder. */
  statements: string[];
}

interface Journal {
  entries: { idx: number; tag: string }[];
}

let cached: TenantMigration[] | undefined;

/** The tenant migrations drizzle-kit generated from the template schema, read once per process. */
export function tenantMigrations(): TenantMigration[] {
  if (cached) return cached;
  const journal = JSON.parse(readFileSync(`${TENANT_MIGRATIONS_DIR}/meta/_journal.json`, "utf8")) as Journal;
  cached = journal.entries
    .sort((a, b) => a.idx - b.idx)
    .map((e, i) => ({
      id: e.tag,
      version: i + 1,
      statements: readFileSync(`${TENANT_MIGRATIONS_DIR}/${e.tag}.sql`, "utf8")
        .split("--> statement-breakpoint")
        .map((s) => s.trim())
        // The schema itself is created by onboarding, under the tenant's own name.
        .filter((s) => s.length > 0 && !/^CREATE SCHEMA/i.test(s))
        .map(unqualifyColumns),
    }));
  return cached;
}

const QUALIFIED_COLUMN = new RegExp(`"${TEMPLATE_SCHEMA}"\\."[a-z0-9_]+"\\.(?=")`, "g");

/**
 * drizzle-kit writes CHECK constraints with columns named as `"schema"."table"."column"`. Citus
 * forwards `ALTER TABLE ... ADD CONSTRAINT` to the worker with the table renamed to its shard but
 * the expression as written, where that name does not exist; a bare column is the same constraint
 * (PostgreSQL stores it unqualified either way), so it is written bare for both.
 */
function unqualifyColumns(statement: string): string {
  return statement.replace(QUALIFIED_COLUMN, "");
}

export function latestTenantVersion(): number {
  return tenantMigrations().length;
}

const TEMPLATE_IDENT = `"${TEMPLATE_SCHEMA}"`;

/** Rewrites a template statement for one schema. The name was validated by the caller. */
export function forSchema(statement: string, schemaName: string): string {
  return statement.replaceAll(TEMPLATE_IDENT, `"${schemaName}"`);
}
