import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { LRUCache } from "lru-cache";
import type postgres from "postgres";
import { type TenantTables, tenantTables } from "./tenant/factory.ts";

export type TenantDb = PostgresJsDatabase<TenantTables>;

export interface BoundTenantClient {
  schemaName: string;
  /** The tenant's tables, each already qualified with its schema. */
  t: TenantTables;
  /** A Drizzle instance over the shared pool whose relational schema is this tenant's tables. */
  db: TenantDb;
}

/**
 * Hands out schema-bound clients over one shared pool. Building one is cheap but not free (table
 * objects, a Drizzle instance), so recently used tenants are kept, up to a bound.
 */
export class TenantClientCache {
  private readonly cache: LRUCache<string, BoundTenantClient>;

  constructor(
    private readonly sql: postgres.Sql,
    max = 1000,
  ) {
    this.cache = new LRUCache({ max });
  }

  get(schemaName: string): BoundTenantClient {
    let client = this.cache.get(schemaName);
    if (!client) {
      const t = tenantTables(schemaName);
      client = { schemaName, t, db: drizzle(this.sql, { schema: t }) };
      this.cache.set(schemaName, client);
    }
    return client;
  }

  delete(schemaName: string): void {
    this.cache.delete(schemaName);
  }

  get size(): number {
    return this.cache.size;
  }
}
