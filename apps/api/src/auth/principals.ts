import type { BoundTenantClient } from "@proxpanel/db";
import type { SharedState } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import { LRUCache } from "lru-cache";

export interface CachedUser {
  id: string;
  email: string;
  status: "active" | "disabled";
  isOwner: boolean;
  sessionVersion: number;
  permissions: readonly string[];
  /** Set when the user signs in as a reseller: everything they see is scoped to it. */
  resellerId: string | null;
}

const CHANNEL = "proxpanel:auth:invalidate";

/**
 * What tenant auth needs of a user (status, session version, permissions), kept per instance so
 * an authenticated request costs no extra query. Any change that affects access (logout
 * everywhere, disable, permission edits) is announced on the shared bus and drops the entry on
 * every instance; the TTL only bounds what a lost message could leave behind.
 */
export class PrincipalCache {
  private readonly cache = new LRUCache<string, CachedUser>({ max: 50_000, ttl: 30_000 });
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly state: SharedState) {}

  async start() {
    this.unsubscribe = await this.state.subscribe(
      CHANNEL,
      (msg) => {
        try {
          const { tenantId, userId } = JSON.parse(msg) as { tenantId: string; userId?: string };
          if (userId) this.cache.delete(`${tenantId}:${userId}`);
          else for (const k of this.cache.keys()) if (k.startsWith(`${tenantId}:`)) this.cache.delete(k);
        } catch {
          // Ignore malformed messages; the TTL still applies.
        }
      },
      // Revocations may have been missed while the bus was down: drop every cached user.
      () => this.cache.clear(),
    );
  }

  async stop() {
    await this.unsubscribe?.();
  }

  async get(tenantId: string, client: BoundTenantClient, userId: string): Promise<CachedUser | undefined> {
    const key = `${tenantId}:${userId}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const { t, db } = client;
    const row = (
      await db
        .select({
          id: t.users.id,
          email: t.users.email,
          status: t.users.status,
          isOwner: t.users.isOwner,
          sessionVersion: t.users.sessionVersion,
          permissions: t.permissionGroups.permissions,
          resellerId: t.resellers.id,
        })
        .from(t.users)
        .leftJoin(t.permissionGroups, eq(t.permissionGroups.id, t.users.permissionGroupId))
        .leftJoin(t.resellers, eq(t.resellers.userId, t.users.id))
        .where(eq(t.users.id, userId))
        .limit(1)
    )[0];
    if (!row) return undefined;
    const user: CachedUser = { ...row, permissions: row.permissions ?? [] };
    this.cache.set(key, user);
    return user;
  }

  /** Drops one user (or, without a user id, every user of the tenant) on all instances. */
  async invalidate(tenantId: string, userId?: string): Promise<void> {
    if (userId) this.cache.delete(`${tenantId}:${userId}`);
    else for (const k of this.cache.keys()) if (k.startsWith(`${tenantId}:`)) this.cache.delete(k);
    await this.state.publish(CHANNEL, JSON.stringify({ tenantId, userId }));
  }
}
