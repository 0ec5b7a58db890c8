import { existsSync, readFileSync } from "node:fs";
import { TEMPLATE_SCHEMA } from "../tenant/template.ts";
import { TENANT_MIGRATIONS_DIR } from "./files.ts";

/**
 * The tenant schema at the latest version as one generated DDL script (`drizzle/tenant-template.sql`,
 * written by `npx tsx packages/db/src/cli/tenant-template.ts` from a schema the migrations built, with
 * `pg_dump --schema-only`). Building a new schema from it skips the migrations' `ALTER TABLE`s: on a
 * cluster of 1,000 tenants each `ADD COLUMN ... NOT NULL` or type change cost ≈ 110 ms of server CPU
 * (44 of them ≈ 1.7 s of a 1.8 s build), the same tables created whole cost ≈ 0.2 s.
 * `tenant.test.ts` proves a schema built from it has the catalog the migrations produce.
 */
// Beside the migrations folder, not in it: drizzle-kit owns that one.
export const TENANT_TEMPLATE_FILE = `${TENANT_MIGRATIONS_DIR}/../tenant-template.sql`;

export interface TenantTemplate {
  /** The tenant migration version the script was generated at; used only when it is the latest. */
  version: number;
  /** Statements with the template schema's name left as a placeholder. */
  statements: string[];
}

const VERSION_LINE = /^-- tenant schema version (\d+)$/m;

let cached: TenantTemplate | null | undefined;

/** The generated script, or null when there is none (then schemas are built from the migrations). */
export function tenantTemplate(): TenantTemplate | null {
  if (cached !== undefined) return cached;
  if (!existsSync(TENANT_TEMPLATE_FILE)) {
    cached = null;
    return cached;
  }
  cached = parseTemplate(readFileSync(TENANT_TEMPLATE_FILE, "utf8"));
  return cached;
}

/** The file holds one statement per `;` at a line's end, after a header naming its version. */
export function parseTemplate(text: string): TenantTemplate {
  const version = Number(VERSION_LINE.exec(text)?.[1] ?? Number.NaN);
  if (!Number.isInteger(version)) throw new Error(`${TENANT_TEMPLATE_FILE}: no "-- tenant schema version N" line`);
  const body = text
    .split("\n")
    .filter((l) => !l.startsWith("--"))
    .join("\n");
  const statements = body
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return { version, statements };
}

const TEMPLATE_NAME = new RegExp(`"${TEMPLATE_SCHEMA}"\\.`, "g");

/** A template statement for one schema. The name was validated by the caller. */
export function templateFor(statement: string, schemaName: string): string {
  return statement.replace(TEMPLATE_NAME, `"${schemaName}".`);
}
