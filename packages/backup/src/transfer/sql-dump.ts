import { once } from "node:events";
import type { Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { assertSchemaName, DISTRIBUTE_NEW_SCHEMAS_SQL, forSchema, tenantMigrations } from "@proxpanel/db";
import type postgres from "postgres";
import { listSequences, listTables, schemaVersionOf } from "../catalog.ts";
import { q } from "../contents.ts";
import { copyOut } from "../pg-copy.ts";
import { nasRoutesSql, resealValue, SEALED_COLUMNS } from "./reseal.ts";

/** The registry row of the tenant being exported (the source cluster's `public.tenants`). */
export interface ExportTenant {
  id: string;
  slug: string;
  schemaName: string;
  companyName: string;
  plan: string;
  subscriberCap: number;
  timezone: string;
  modules: string[] | null;
}

export interface SqlDumpOptions {
  sql: postgres.Sql;
  tenant: ExportTenant;
  /** The tenant's data key on the source (opens its sealed columns). */
  sourceDataKey: Buffer;
  /** The destination install's data key for this tenant (seals them again). */
  targetDataKey: Buffer;
  /** Registry secret of the tenant on the destination: the standalone install's own secret. */
  targetSecret: string;
}

export interface SqlDumpSummary {
  schemaVersion: number;
  tables: { name: string; rows: number }[];
  resealed: number;
}

function statement(template: string, schemaName: string): string {
  const s = forSchema(template, schemaName).trim();
  return `${s}${s.endsWith(";") ? "" : ";"}\n`;
}

const CREATE_INDEX_RE = /^CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?"([^"]+)"/i;
const DATA_RE = /^(?:INSERT|UPDATE|DELETE)\b/i;

/**
 * Index statements that can wait until after the data: nothing later in the migrations names the
 * index, and no later statement changes rows (a data migration could rely on a unique index).
 */
export function deferrableIndexes(statements: readonly string[]): Set<string> {
  const out = new Set<string>();
  statements.forEach((stmt, i) => {
    const name = CREATE_INDEX_RE.exec(stmt.trim())?.[1];
    if (!name) return;
    const later = statements.slice(i + 1);
    if (later.some((l) => l.includes(`"${name}"`) || DATA_RE.test(l.trim()))) return;
    out.add(stmt);
  });
  return out;
}

/** A SQL string literal (standard_conforming_strings is set on at the top of the dump). */
function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * A plain SQL dump of one tenant, for `psql -v ON_ERROR_STOP=1 -f` into a database whose `public`
 * schema is migrated: one transaction that creates the tenant schema with the same DDL as the
 * migrations (at the source's schema version, so a newer install migrates it forward on start),
 * loads every table with COPY, restores sequences and registers the tenant. All rows come from one
 * repeatable-read snapshot. Sealed columns are re-sealed for the destination while they stream, so
 * neither a plaintext secret nor the source cluster's data key is ever written.
 */
export async function writeSqlDump(opts: SqlDumpOptions, out: Writable): Promise<SqlDumpSummary> {
  const { tenant } = opts;
  assertSchemaName(tenant.schemaName);
  const schema = q(tenant.schemaName);
  const write = async (s: string | Buffer) => {
    if (!out.write(s)) await once(out, "drain");
  };
  return opts.sql.begin("isolation level repeatable read read only", async (tx) => {
    await tx`set local statement_timeout = 0`;
    const schemaVersion = await schemaVersionOf(tx, tenant.schemaName);
    const tables = await listTables(tx, tenant.schemaName);
    await write(
      [
        `-- ProxPanel tenant export: ${tenant.slug} (${tenant.id}), schema version ${schemaVersion}`,
        `-- Load with: psql -v ON_ERROR_STOP=1 -f <this file> <database with a migrated public schema>`,
        "\\set ON_ERROR_STOP on",
        "begin;",
        "set local standard_conforming_strings = on;",
        "set local client_encoding = 'UTF8';",
        // Loaded into a Citus coordinator, the tenant becomes a distributed schema as onboarding makes it.
        `${DISTRIBUTE_NEW_SCHEMAS_SQL};`,
        `create schema ${schema};`,
        `create table ${schema}."__migrations" (id text primary key, version integer not null, applied_at timestamptz not null default now());`,
        "",
      ].join("\n"),
    );
    const migrations = tenantMigrations().filter((m) => m.version <= schemaVersion);
    const deferred = deferrableIndexes(migrations.flatMap((m) => m.statements));
    for (const m of migrations) {
      await write(`-- migration ${m.id}\n`);
      for (const stmt of m.statements) {
        if (deferred.has(stmt)) continue;
        await write(statement(stmt, tenant.schemaName));
      }
      await write(`insert into ${schema}."__migrations" (id, version) values (${lit(m.id)}, ${m.version});\n\n`);
    }

    const summary: SqlDumpSummary = { schemaVersion, tables: [], resealed: 0 };
    for (const t of tables) {
      await write(`copy ${schema}.${q(t.name)} (${t.columns.map(q).join(", ")}) from stdin;\n`);
      const sealed = SEALED_COLUMNS.find((s) => s.table === t.name);
      const copy = copyOut(tx, `copy ${schema}.${q(t.name)} (${t.columns.map(q).join(", ")}) to stdout`);
      let rows = 0;
      if (!sealed) {
        for await (const chunk of copy) {
          for (const b of chunk) if (b === 0x0a) rows++;
          await write(chunk);
        }
      } else {
        // Text COPY escapes tabs and newlines inside values, so raw ones delimit fields and rows.
        const idCol = t.columns.indexOf("id");
        const encCol = t.columns.indexOf(sealed.column);
        if (idCol < 0 || encCol < 0) throw new Error(`${t.name}: sealed column layout changed`);
        let rest = "";
        // A chunk may end inside a multi-byte character.
        const decoder = new StringDecoder("utf8");
        for await (const chunk of copy) {
          const lines = (rest + decoder.write(chunk)).split("\n");
          rest = lines.pop() ?? "";
          const outLines: string[] = [];
          for (const line of lines) {
            const f = line.split("\t");
            const id = f[idCol];
            const enc = f[encCol];
            if (id === undefined || enc === undefined) throw new Error(`${t.name}: malformed COPY row`);
            f[encCol] = resealValue(opts.sourceDataKey, opts.targetDataKey, t.name, id, enc);
            outLines.push(f.join("\t"));
          }
          rows += outLines.length;
          summary.resealed += outLines.length;
          if (outLines.length) await write(`${outLines.join("\n")}\n`);
        }
        if (rest) throw new Error(`${t.name}: COPY stream ended inside a row`);
      }
      await write("\\.\n\n");
      summary.tables.push({ name: t.name, rows });
    }

    for (const name of await listSequences(tx, tenant.schemaName)) {
      const [row] = await tx.unsafe<{ last_value: string; is_called: boolean }[]>(
        `select last_value::text, is_called from ${schema}.${q(name)}`,
      );
      if (row) {
        await write(`select pg_catalog.setval(${lit(`${schema}.${q(name)}`)}, ${row.last_value}, ${row.is_called});\n`);
      }
    }
    // Like pg_restore: indexes are built once over the loaded rows, not maintained row by row.
    if (deferred.size) await write("-- indexes, built after the data\n");
    for (const stmt of deferred) await write(statement(stmt, tenant.schemaName));

    // The tenant's WireGuard /24 goes with it: its peers' addresses were allocated from it.
    const [wg] = await tx<{ subnet: string }[]>`
      select subnet::text as subnet from public.wireguard_allocations where tenant_id = ${tenant.id}`;
    const modules = tenant.modules ? `array[${tenant.modules.map(lit).join(", ")}]::text[]` : "null";
    await write(
      [
        "",
        "-- The registry row: same id, the destination's own secret.",
        `insert into public.tenants (id, slug, schema_name, company_name, plan, subscriber_cap, timezone, schema_version, modules, secret) values (${[
          lit(tenant.id),
          lit(tenant.slug),
          lit(tenant.schemaName),
          lit(tenant.companyName),
          lit(tenant.plan),
          String(tenant.subscriberCap),
          lit(tenant.timezone),
          String(schemaVersion),
          modules,
          lit(opts.targetSecret),
        ].join(", ")});`,
        ...nasRoutesSql(tenant.schemaName, tenant.id).map((s) => `${s};`),
        ...(wg
          ? [
              `insert into public.wireguard_allocations (tenant_id, subnet) values (${lit(tenant.id)}, ${lit(wg.subnet)});`,
            ]
          : []),
        "commit;",
        "",
      ].join("\n"),
    );
    return summary;
  });
}
