import { unseal } from "@proxpanel/auth";
import { type Db, nasRoutes, tenants } from "@proxpanel/db";
import { assertSchemaName } from "@proxpanel/db/tenant/factory";
import type { NasRecord } from "@proxpanel/radius";
import type { TenantKeyRing } from "@proxpanel/tenancy";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";

/** Schemas whose NAS devices are read in one query at start-up and on full refreshes. */
const DEVICE_BATCH = 200;

interface Device {
  tenantId: string;
  id: string;
  secretEnc: string;
  requireMessageAuthenticator: boolean;
  coaPort: number;
}

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

  /**
   * Every tenant's routes in a few queries (one over the registry, then the NAS devices of up to
   * DEVICE_BATCH schemas per query), not four per tenant: with 1,000 tenants the per-tenant loop kept
   * the daemon from opening its sockets for 106 s (bench/scale.ts). A tenant reloaded on its own
   * while this runs keeps that newer load.
   */
  async loadAll(): Promise<void> {
    const gens = new Map<string, number>();
    const bump = (id: string) => {
      const gen = (this.generation.get(id) ?? 0) + 1;
      this.generation.set(id, gen);
      gens.set(id, gen);
    };
    const routes = await this.fetch();
    for (const id of new Set([...routes.keys(), ...this.byTenant.keys()])) bump(id);
    this.apply(routes, gens);
  }

  async reloadTenant(tenantId: string): Promise<void> {
    const gen = (this.generation.get(tenantId) ?? 0) + 1;
    this.generation.set(tenantId, gen);
    const routes = await this.fetch(tenantId);
    this.apply(routes, new Map([[tenantId, gen]]));
  }

  /** Installs freshly read routes of the tenants in `gens`, unless a newer load of that tenant started since. */
  private apply(routes: Map<string, Route[]>, gens: Map<string, number>): void {
    let changed = false;
    for (const [tenantId, gen] of gens) {
      if (this.generation.get(tenantId) !== gen) continue;
      const list = routes.get(tenantId);
      if (list?.length) this.byTenant.set(tenantId, list);
      else this.byTenant.delete(tenantId);
      changed = true;
    }
    if (changed) this.rebuildIndex();
  }

  /** Routes of one tenant, or of every tenant, keyed by tenant. */
  private async fetch(tenantId?: string): Promise<Map<string, Route[]>> {
    // Suspended tenants stay routed so their NAS get a Reject with a reason, not silence.
    const rows = await this.db
      .select({
        tenantId: nasRoutes.tenantId,
        schemaName: tenants.schemaName,
        nasId: nasRoutes.nasId,
        address: sql<string>`host(${nasRoutes.ipAddress})`,
        identifier: nasRoutes.identifier,
        verifiedAt: nasRoutes.verifiedAt,
      })
      .from(nasRoutes)
      .innerJoin(tenants, eq(tenants.id, nasRoutes.tenantId))
      .where(
        and(
          inArray(tenants.status, ["active", "suspended"]),
          tenantId === undefined ? undefined : eq(nasRoutes.tenantId, tenantId),
        ),
      );
    const out = new Map<string, Route[]>();
    if (!rows.length) return out;
    const bySchema = new Map<string, { tenantId: string; nasIds: string[] }>();
    for (const r of rows) {
      const entry = bySchema.get(r.schemaName);
      if (entry) entry.nasIds.push(r.nasId);
      else bySchema.set(r.schemaName, { tenantId: r.tenantId, nasIds: [r.nasId] });
    }
    const [keys, devices] = await Promise.all([
      this.keys.forTenants([...new Set(rows.map((r) => r.tenantId))]),
      this.devices([...bySchema]),
    ]);
    for (const r of rows) {
      const d = devices.get(r.nasId);
      const key = keys.get(r.tenantId);
      if (!d || d.tenantId !== r.tenantId || !key) continue;
      let secret: string;
      try {
        secret = unseal(key, d.secretEnc, `nas:${d.id}`);
      } catch (err) {
        this.onError(err, "unseal NAS secret");
        continue;
      }
      const route: Route = {
        address: r.address,
        identifier: r.identifier,
        record: {
          nasId: d.id,
          tenantId: r.tenantId,
          secret,
          requireMessageAuthenticator: d.requireMessageAuthenticator,
          coaPort: d.coaPort,
          verified: r.verifiedAt !== null,
        },
      };
      const list = out.get(r.tenantId);
      if (list) list.push(route);
      else out.set(r.tenantId, [route]);
    }
    return out;
  }

  /** The routed NAS devices of many schemas, DEVICE_BATCH schemas per `union all` query, by NAS id. */
  private async devices(schemas: [string, { tenantId: string; nasIds: string[] }][]): Promise<Map<string, Device>> {
    const out = new Map<string, Device>();
    const batches: (typeof schemas)[] = [];
    for (let i = 0; i < schemas.length; i += DEVICE_BATCH) batches.push(schemas.slice(i, i + DEVICE_BATCH));
    for (const batch of batches) {
      const parts = batch.map(([schemaName, { tenantId, nasIds }]) => {
        assertSchemaName(schemaName);
        const ids = sql.join(
          nasIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        );
        return sql`(select ${tenantId}::text as tenant_id, id::text as id, secret_enc, require_message_authenticator, coa_port
          from ${sql.identifier(schemaName)}.nas_devices where id in (${ids}))`;
      });
      const rows = await this.db.execute<{
        tenant_id: string;
        id: string;
        secret_enc: string;
        require_message_authenticator: boolean;
        coa_port: number;
      }>(sql.join(parts, sql` union all `));
      for (const d of rows)
        out.set(d.id, {
          tenantId: d.tenant_id,
          id: d.id,
          secretEnc: d.secret_enc,
          requireMessageAuthenticator: d.require_message_authenticator,
          coaPort: d.coa_port,
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
