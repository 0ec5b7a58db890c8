import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { PLAN_SEED, plans } from "../public/plans.ts";
import { PUBLIC_MIGRATIONS_DIR } from "./files.ts";

/**
 * Applies the registry migrations and seeds the plan catalogue. Runs on one dedicated connection
 * holding an advisory lock, so replicas starting together take turns.
 */
export async function migratePublic(url: string): Promise<void> {
  // No array-type fetch (see connect in client.ts): with 1,000 tenant schemas it was the slowest
  // step of a `db:migrate` with nothing to apply; Drizzle serialises the plans' text[] itself.
  const conn = postgres(url, { max: 1, onnotice: () => {}, fetch_types: false });
  try {
    const db = drizzle(conn);
    await db.execute(sql`select pg_advisory_lock(hashtext('proxpanel:migrate:public'))`);
    try {
      await migrate(db, { migrationsFolder: PUBLIC_MIGRATIONS_DIR });
      await db.insert(plans).values(PLAN_SEED).onConflictDoNothing();
    } finally {
      await db.execute(sql`select pg_advisory_unlock(hashtext('proxpanel:migrate:public'))`);
    }
  } finally {
    await conn.end({ timeout: 5 });
  }
}
