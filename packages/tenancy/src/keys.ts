import { tenantDataKey } from "@proxpanel/auth";
import { type Db, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
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
}
