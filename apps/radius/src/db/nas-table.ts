import { unseal } from "@proxpanel/auth";
import { type Db, nasRoutes, tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import type { NasRecord } from "@proxpanel/radius";
import type { TenantKeyRing } from "@proxpanel/tenancy";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";

interface Route {
  address: string;
  identifier: string | null;
  record: NasRecord;
}

/**
 * Source address (+ NAS-Identifier) → NAS, for every tenant, held in memory: routing runs on
 * every packet. Rebuilt per tenant when that tenant's NAS or status change.
 */
export class NasTable {
  private byTenant = new Map<string, Route[]>();
  private byAddress = new Map<string, Route[]>();
  /** Per-tenant load counter: a slow reload must not overwrite a newer one. */
  private readonly generation = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly keys: TenantKeyRing,
    private readonly onError: (err: unknown, where: string) => void,
  ) {}

  find(address: string, nasIdentifier: string | undefined): NasRecord | undefined {
    const list = this.byAddress.get(address);
    if (!list) return undefined;
    // The API keeps at most one identifier-less route per address and distinct identifiers: an
    // exact identifier wins, then the identifier-less route; a lone route takes every packet.
    const route =
      list.find((r) => r.identifier !== null && r.identifier === nasIdentifier) ??
      list.find((r) => r.identifier === null) ??
      (list.length === 1 ? list[0] : undefined);
    return route?.record;
  }

  /** Where a NAS takes Disconnect/CoA requests (its routed address), for sessions the daemon ends itself. */
  target(tenantId: string, nasId: string): { host: string; port: number; secret: string } | undefined {
    const route = this.byTenant.get(tenantId)?.find((r) => r.record.nasId === nasId);
    if (!route) return undefined;
    return { host: route.address, port: route.record.coaPort ?? 3799, secret: route.record.secret };
  }

  /** Records that a packet proved this route's secret: its address claim is verified from now on. */
  markVerified(nas: NasRecord): void {
    this.db
      .update(nasRoutes)
      .set({ verifiedAt: new Date() })
      .where(and(eq(nasRoutes.nasId, nas.nasId), isNull(nasRoutes.verifiedAt)))
      .catch((err: unknown) => this.onError(err, "mark NAS verified"));
  }

  get size(): number {
    return [...this.byTenant.values()].reduce((n, l) => n + l.length, 0);
  }

  async loadAll(): Promise<void> {
    const rows = await this.db.select({ tenantId: nasRoutes.tenantId }).from(nasRoutes).groupBy(nasRoutes.tenantId);
    const ids = new Set([...rows.map((r) => r.tenantId), ...this.byTenant.keys()]);
    await Promise.all([...ids].map((id) => this.reloadTenant(id)));
  }

  async reloadTenant(tenantId: string): Promise<void> {
    const gen = (this.generation.get(tenantId) ?? 0) + 1;
    this.generation.set(tenantId, gen);
    const routes = await this.fetch(tenantId);
    if (this.generation.get(tenantId) !== gen) return;
    if (routes.length) this.byTenant.set(tenantId, routes);
    else this.byTenant.delete(tenantId);
    this.rebuildIndex();
  }

  private async fetch(tenantId: string): Promise<Route[]> {
    const [tenant] = await this.db
      .select({ schemaName: tenants.schemaName, status: tenants.status })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .limit(1);
    // Suspended tenants stay routed so their NAS get a Reject with a reason, not silence.
    if (!tenant || (tenant.status !== "active" && tenant.status !== "suspended")) return [];
    const routes = await this.db
      .select({
        nasId: nasRoutes.nasId,
        address: sql<string>`host(${nasRoutes.ipAddress})`,
        identifier: nasRoutes.identifier,
        verifiedAt: nasRoutes.verifiedAt,
      })
      .from(nasRoutes)
      .where(eq(nasRoutes.tenantId, tenantId));
    if (!routes.length) return [];
    const t = tenantTables(tenant.schemaName);
    const [key, devices] = await Promise.all([
      this.keys.forTenant(tenantId),
      this.db
        .select()
        .from(t.nasDevices)
        .where(
          inArray(
            t.nasDevices.id,
            routes.map((r) => r.nasId),
          ),
        ),
    ]);
    const byId = new Map(devices.map((d) => [d.id, d]));
    const out: Route[] = [];
    for (const r of routes) {
      const d = byId.get(r.nasId);
      if (!d) continue;
      let secret: string;
      try {
        secret = unseal(key, d.secretEnc, `nas:${d.id}`);
      } catch (err) {
        this.onError(err, "unseal NAS secret");
        continue;
      }
      out.push({
        address: r.address,
        identifier: r.identifier,
        record: {
          nasId: d.id,
          tenantId,
          secret,
          requireMessageAuthenticator: d.requireMessageAuthenticator,
          coaPort: d.coaPort,
          verified: r.verifiedAt !== null,
        },
      });
    }
    return out;
  }

  private rebuildIndex(): void {
    const next = new Map<string, Route[]>();
    for (const routes of this.byTenant.values()) {
      for (const r of routes) {
        const list = next.get(r.address);
        if (list) list.push(r);
        else next.set(r.address, [r]);
      }
    }
    this.byAddress = next;
  }
}
