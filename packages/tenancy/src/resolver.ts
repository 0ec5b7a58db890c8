import { type Db, plans, type TenantStatus, tenants } from "@proxpanel/db";
import { and, eq, isNotNull, type SQL, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { SLUG_MAX, SLUG_RE } from "./slug.ts";
import type { SharedState } from "./state/types.ts";

/** What request routing needs of a tenant; small enough to cache for every known host. */
export interface ResolvedTenant {
  id: string;
  slug: string;
  schemaName: string;
  status: TenantStatus;
  migratedTo: string | null;
  /** Optional modules switched on: the tenant's override, else its plan's list. */
  modules: readonly string[];
}

export type Resolution = { kind: "apex" } | { kind: "tenant"; tenant: ResolvedTenant } | { kind: "unknown" };

export interface Invalidation {
  tenantId?: string;
  hosts?: string[];
}

export const INVALIDATION_CHANNEL = "proxpanel:tenancy:invalidate";

const HOST_RE = /^[a-z0-9.-]{1,253}$/;

/** Lower-cases, drops the port and a trailing dot. Returns "" for anything that is not a hostname. */
export function normalizeHost(raw: string | undefined | null): string {
  if (!raw) return "";
  let host = raw.trim().toLowerCase();
  if (host.startsWith("[")) return ""; // IPv6 literals never name a tenant.
  const colon = host.indexOf(":");
  if (colon !== -1) host = host.slice(0, colon);
  if (host.endsWith(".")) host = host.slice(0, -1);
  return HOST_RE.test(host) ? host : "";
}

type Entry = { tenant: ResolvedTenant | null };

/** Cache key of the standalone tenant; no normalized host can contain a space. */
const STANDALONE_KEY = "standalone tenant";

/**
 * Maps a request host to a tenant: `<slug>.<base>` by slug, anything else by verified custom
 * domain, the bare base domain to the console. Answers from a TTL cache; unknown hosts are cached
 * too (briefly) so a flood of random names costs one indexed lookup per name, not per request.
 * Changes are announced on the shared bus so every instance drops stale entries at once.
 */
export class TenantResolver {
  private readonly cache: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly suffix: string;
  private unsubscribe: (() => Promise<void>) | undefined;
  /** Standalone mode: the one tenant every host resolves to. */
  private standaloneSlug: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly state: SharedState,
    private readonly opts: { baseDomain: string; ttlMs: number; negativeTtlMs: number; maxEntries: number },
  ) {
    this.cache = new LRUCache({ max: opts.maxEntries, ttl: opts.ttlMs, ttlAutopurge: false });
    this.suffix = `.${opts.baseDomain}`;
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.state.subscribe(
      INVALIDATION_CHANNEL,
      (msg) => {
        try {
          this.invalidateLocal(JSON.parse(msg) as Invalidation);
        } catch {
          // A malformed message must not take the subscriber down; the TTL still bounds staleness.
        }
      },
      // Invalidations may have been missed (the bus was down): no suspension may outlive that.
      () => this.cache.clear(),
    );
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  hostFor(slug: string): string {
    return `${slug}${this.suffix}`;
  }

  /**
   * Standalone mode: from now on every request, whatever its host, belongs to this tenant, and no
   * host is the apex (so signup and the console are the same 404 as an unknown path).
   */
  pinStandalone(slug: string): void {
    this.standaloneSlug = slug;
    this.cache.clear();
  }

  async resolve(rawHost: string | undefined | null): Promise<Resolution> {
    if (this.standaloneSlug !== undefined) {
      const entry = await this.lookup(STANDALONE_KEY);
      return entry.tenant ? { kind: "tenant", tenant: entry.tenant } : { kind: "unknown" };
    }
    const host = normalizeHost(rawHost);
    if (!host) return { kind: "unknown" };
    if (host === this.opts.baseDomain) return { kind: "apex" };
    const entry = await this.lookup(host);
    return entry.tenant ? { kind: "tenant", tenant: entry.tenant } : { kind: "unknown" };
  }

  /**
   * For the on-demand TLS gate, which must not approve every name even in standalone mode: there
   * only the base domain, the tenant's own subdomain and its verified custom domain qualify.
   */
  async resolveCertificateName(rawHost: string | undefined | null): Promise<Resolution> {
    if (this.standaloneSlug === undefined) return this.resolve(rawHost);
    const host = normalizeHost(rawHost);
    if (!host) return { kind: "unknown" };
    const pinned = (await this.lookup(STANDALONE_KEY)).tenant;
    if (!pinned) return { kind: "unknown" };
    if (host === this.opts.baseDomain) return { kind: "tenant", tenant: pinned };
    const named = (await this.lookup(host)).tenant;
    return named?.id === pinned.id ? { kind: "tenant", tenant: pinned } : { kind: "unknown" };
  }

  /** Drops cached entries here and on every other instance. */
  async invalidate(inv: Invalidation): Promise<void> {
    this.invalidateLocal(inv);
    await this.state.publish(INVALIDATION_CHANNEL, JSON.stringify(inv));
  }

  invalidateLocal(inv: Invalidation): void {
    // One entry in standalone mode; any change may concern it (it may even be cached as missing).
    if (this.standaloneSlug !== undefined) this.cache.delete(STANDALONE_KEY);
    for (const h of inv.hosts ?? []) this.cache.delete(normalizeHost(h));
    if (inv.tenantId) {
      for (const [host, entry] of this.cache.entries()) {
        if (entry.tenant?.id === inv.tenantId) this.cache.delete(host);
      }
    }
  }

  private lookup(host: string): Promise<Entry> | Entry {
    const hit = this.cache.get(host);
    if (hit) return hit;
    // Concurrent requests for one cold host share a single query.
    let pending = this.inflight.get(host);
    if (!pending) {
      pending = this.load(host).finally(() => this.inflight.delete(host));
      this.inflight.set(host, pending);
    }
    return pending;
  }

  private async load(host: string): Promise<Entry> {
    const tenant = await this.query(host);
    const entry: Entry = { tenant };
    this.cache.set(host, entry, tenant ? {} : { ttl: this.opts.negativeTtlMs });
    return entry;
  }

  private async query(host: string): Promise<ResolvedTenant | null> {
    const cols = {
      id: tenants.id,
      slug: tenants.slug,
      schemaName: tenants.schemaName,
      status: tenants.status,
      migratedTo: tenants.migratedTo,
      modules: sql<string[]>`coalesce(${tenants.modules}, ${plans.modules}, '{}'::text[])`,
    };
    let where: SQL | undefined;
    if (host === STANDALONE_KEY && this.standaloneSlug !== undefined) {
      where = eq(tenants.slug, this.standaloneSlug);
    } else if (host.endsWith(this.suffix)) {
      const label = host.slice(0, -this.suffix.length);
      // Only a single, well-formed label can be a slug; nothing else reaches the database.
      if (label.length > SLUG_MAX || !SLUG_RE.test(label)) return null;
      where = eq(tenants.slug, label);
    } else {
      where = and(eq(tenants.customDomain, host), isNotNull(tenants.customDomainVerifiedAt));
    }
    const rows = await this.db
      .select(cols)
      .from(tenants)
      .leftJoin(plans, eq(plans.code, tenants.plan))
      .where(where)
      .limit(1);
    return rows[0] ?? null;
  }
}
