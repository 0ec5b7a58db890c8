import { tenantDataKey } from "@proxpanel/auth";
import { type Db, tenants } from "@proxpanel/db";
import { eq, inArray } from "drizzle-orm";
import { LRUCache } from "lru-cache";

/**
 * Per-tenant data keys, derived on first use and kept in memory. The tenant's registry secret is
 * read here and nowhere else in request code.
 */
export class TenantKeyRing {
  private readonly cache = new LRUCache<string, Buffer>({ max: 10_000 });

  constructor(
    private readonly db: Db,
    private readonly clusterKey: string,
  ) {}

  async forTenant(tenantId: string): Promise<Buffer> {
    const hit = this.cache.get(tenantId);
    if (hit) return hit;
    const row = (
      await this.db.select({ secret: tenants.secret }).from(tenants).where(eq(tenants.id, tenantId)).limit(1)
    )[0];
    if (!row) throw new Error(`unknown tenant ${tenantId}`);
    const key = tenantDataKey(this.clusterKey, tenantId, row.secret);
    this.cache.set(tenantId, key);
    return key;
  }

  /**
   * Keys of many tenants with one registry read for those not cached yet (the RADIUS daemon's NAS
   * table at start-up: one query instead of one per tenant). Unknown tenants are left out.
   */
  async forTenants(tenantIds: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of new Set(tenantIds)) {
      const hit = this.cache.get(id);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 1000) {
      const rows = await this.db
        .select({ id: tenants.id, secret: tenants.secret })
        .from(tenants)
        .where(inArray(tenants.id, missing.slice(i, i + 1000)));
      for (const row of rows) {
        const key = tenantDataKey(this.clusterKey, row.id, row.secret);
        this.cache.set(row.id, key);
        out.set(row.id, key);
      }
    }
    return out;
  }
}
