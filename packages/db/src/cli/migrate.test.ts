import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScratchDatabases } from "../../../../tests/scratch-databases.ts";
import { latestTenantVersion } from "../migrate/files.ts";
import { PLAN_SEED } from "../public/plans.ts";
import { nothingToApply, SEED_PLAN_CODES } from "./migrate.mjs";

const LAUNCHER = fileURLToPath(new URL("./migrate.mjs", import.meta.url));
const run = promisify(execFile);

// `npm run db:migrate` answers "nothing to apply" from one query without loading tsx; whenever the
// full CLI would change something, the check must say so and hand over to it.
describe("db:migrate's no-op check (migrate.mjs)", () => {
  const scratch = new ScratchDatabases("migrate_noop");
  let url: string;
  let sql: postgres.Sql;

  beforeAll(async () => {
    url = await scratch.create(); // public registry migrated and seeded
    sql = postgres(url, { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await sql?.end();
    await scratch.dropAll();
  });

  it("knows the plan seed's codes", () => {
    expect([...SEED_PLAN_CODES].sort()).toEqual(PLAN_SEED.map((p) => p.code).sort());
  });

  it("says nothing to apply on a migrated registry, and the CLI exits on that", async () => {
    expect(await nothingToApply(url)).toBe(latestTenantVersion());
    const { stdout } = await run(process.execPath, [LAUNCHER], { env: { ...process.env, DATABASE_URL: url } });
    expect(stdout).toMatch(
      new RegExp(`^tenant schema version ${latestTenantVersion()}: 0 migrated, 0 failed, nothing to apply`),
    );
  });

  it("sees a registry migration not applied yet", async () => {
    const [last] = await sql<
      { id: number }[]
    >`select id from drizzle.__drizzle_migrations order by created_at desc limit 1`;
    await sql`update drizzle.__drizzle_migrations set created_at = created_at - 1 where id = ${last?.id ?? 0}`;
    try {
      expect(await nothingToApply(url)).toBeUndefined();
    } finally {
      await sql`update drizzle.__drizzle_migrations set created_at = created_at + 1 where id = ${last?.id ?? 0}`;
    }
    expect(await nothingToApply(url)).toBe(latestTenantVersion());
  });

  it("sees a tenant schema behind the latest version", async () => {
    const slug = `noop${randomUUID().slice(0, 8)}`;
    const row = { slug, schema_name: `tenant_${slug}`, company_name: "Noop", plan: "trial", secret: "x" };
    await sql`insert into public.tenants ${sql({ ...row, schema_version: latestTenantVersion() })}`;
    expect(await nothingToApply(url)).toBe(latestTenantVersion());
    await sql`update public.tenants set schema_version = ${latestTenantVersion() - 1} where slug = ${slug}`;
    expect(await nothingToApply(url)).toBeUndefined();
    await sql`delete from public.tenants where slug = ${slug}`;
  });

  it("hands a missing seed plan to the full CLI, which puts it back", async () => {
    await sql`delete from public.plans where code = 'custom'`;
    expect(await nothingToApply(url)).toBeUndefined();
    const { stdout } = await run(process.execPath, [LAUNCHER], {
      env: { ...process.env, DATABASE_URL: url },
      timeout: 120_000,
    });
    expect(stdout).toContain("nothing to apply");
    expect(await sql`select 1 from public.plans where code = 'custom'`).toHaveLength(1);
    expect(await nothingToApply(url)).toBe(latestTenantVersion());
  }, 150_000);

  it("answers undefined (so the full CLI runs and reports) when it cannot ask", async () => {
    const missing = new URL(url);
    missing.pathname = `/migrate_noop_missing_${process.pid}`;
    expect(await nothingToApply(missing.toString())).toBeUndefined();
  });
});
