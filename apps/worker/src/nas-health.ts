import { unseal } from "@proxpanel/auth";
import { alerts, type Db, type Executor, nasHealth, type TenantClientCache, tenants } from "@proxpanel/db";
import { enqueueMail } from "@proxpanel/mail";
import type { StatusProbeResult, StatusProbeTarget } from "@proxpanel/radius/status-probe";
import type { TenantKeyRing } from "@proxpanel/tenancy";
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import { liveTenants } from "./live-tenants.ts";

export interface NasHealthDeps {
  db: Db;
  tenantClients: TenantClientCache;
  /** Unseals NAS secrets for Status-Server probes; without it only last-seen times are judged. */
  keys?: Pick<TenantKeyRing, "forTenant">;
  probe: (target: StatusProbeTarget) => Promise<StatusProbeResult>;
}

export interface NasHealthOptions {
  /** The interim interval NAS are told to use (s). */
  interimIntervalSeconds: number;
  /** Silence longer than this many interim intervals counts (default 2). */
  silentFactor?: number;
  /** Unanswered Status-Server probes in a row before a probed NAS counts as silent (default 2). */
  probeFailuresSilent?: number;
  now?: Date;
  tenantIds?: string[];
}

export type NasTransition = {
  tenantId: string;
  nasId: string;
  kind: "silent" | "accounting_gap" | "back";
  detail: string;
};

type Device = {
  id: string;
  name: string;
  address: string;
  coa_port: number;
  status_server: boolean;
  secret_enc: string;
};

/**
 * One pass over every NAS: probe those that answer Status-Server, then judge each from its last
 * packet (written by the daemon), its open sessions and the probe, and record transitions only:
 * online/unknown → silent raises an event, a console alert and a mail to the tenant's admins;
 * silent → online records "back", resolves the alert and mails again. The state is re-read under
 * a row lock before a transition, so two workers running at once produce one alert, not two.
 */
export async function checkNasHealth(deps: NasHealthDeps, opts: NasHealthOptions): Promise<NasTransition[]> {
  const now = opts.now ?? new Date();
  const windowMs = (opts.silentFactor ?? 2) * opts.interimIntervalSeconds * 1000;
  const since = now.getTime() - windowMs;
  const failuresSilent = opts.probeFailuresSilent ?? 2;
  const out: NasTransition[] = [];
  for (const tenant of await liveTenants(deps.db, opts.tenantIds)) {
    const { t } = deps.tenantClients.get(tenant.schemaName);
    const devices = await deps.db.execute<Device>(sql`
      select id, name, host(ip_address) as address, coa_port, status_server, secret_enc from ${t.nasDevices}`);
    // NAS deleted since: their rows (and open alerts) go.
    await dropRemoved(
      deps.db,
      tenant.id,
      devices.map((d) => d.id),
    );
    if (!devices.length) continue;
    const open = await deps.db.execute<{ nas_id: string; n: number }>(sql`
      select nas_id, count(*)::int as n from ${t.radacct} where stop_time is null and nas_id is not null group by nas_id`);
    const openBy = new Map(open.map((o) => [o.nas_id, o.n]));
    const probes = await probeAll(deps, tenant.id, devices);
    for (const d of devices) {
      const tr = await judge(deps.db, { id: tenant.id, t }, d, {
        now,
        since,
        windowMs,
        failuresSilent,
        openSessions: openBy.get(d.id) ?? 0,
        probe: probes.get(d.id),
      });
      if (tr) out.push(tr);
    }
  }
  return out;
}

async function probeAll(
  deps: NasHealthDeps,
  tenantId: string,
  devices: Device[],
): Promise<Map<string, StatusProbeResult>> {
  const probed = devices.filter((d) => d.status_server);
  const results = new Map<string, StatusProbeResult>();
  if (!probed.length || !deps.keys) return results;
  const key = await deps.keys.forTenant(tenantId);
  await Promise.all(
    probed.map(async (d) => {
      let secret: string;
      try {
        secret = unseal(key, d.secret_enc, `nas:${d.id}`);
      } catch {
        return;
      }
      results.set(d.id, await deps.probe({ host: d.address, port: d.coa_port, secret }));
    }),
  );
  return results;
}

interface Facts {
  now: Date;
  since: number;
  windowMs: number;
  failuresSilent: number;
  openSessions: number;
  probe: StatusProbeResult | undefined;
}

type Tables = ReturnType<TenantClientCache["get"]>["t"];

async function judge(
  db: Db,
  tenant: { id: string; t: Tables },
  d: Device,
  f: Facts,
): Promise<NasTransition | undefined> {
  const tenantId = tenant.id;
  return db.transaction(async (tx) => {
    await tx.insert(nasHealth).values({ nasId: d.id, tenantId, statusSince: f.now }).onConflictDoNothing();
    const [h] = await tx.select().from(nasHealth).where(eq(nasHealth.nasId, d.id)).for("update");
    if (!h) return undefined;
    const failures = f.probe ? (f.probe.ok ? 0 : h.probeFailures + 1) : h.probeFailures;
    const seenRecently = (h.lastSeenAt?.getTime() ?? 0) >= f.since;
    const minutes = Math.round(f.windowMs / 60_000);
    let kind: "silent" | "accounting_gap" | undefined;
    let detail = "";
    if (f.openSessions > 0 && (h.lastAcctAt?.getTime() ?? 0) < f.since) {
      kind = "accounting_gap";
      detail = `no accounting for over ${minutes} min with ${f.openSessions} open session(s)`;
    }
    if (d.status_server && failures >= f.failuresSilent && !seenRecently) {
      kind = "silent";
      detail = `${failures} Status-Server probes unanswered, no packet for over ${minutes} min`;
    }
    const alive = seenRecently || f.probe?.ok === true;
    const status = kind ? "silent" : alive ? "online" : h.status === "silent" ? "silent" : "unknown";
    const changed = status !== h.status;
    const update: Partial<typeof nasHealth.$inferInsert> = { status, probeFailures: failures };
    if (changed) update.statusSince = f.now;
    if (f.probe) {
      update.probeAt = f.now;
      update.probeOk = f.probe.ok;
      update.probeRttMs = f.probe.ok ? f.probe.rttMs : null;
    }
    let transition: NasTransition | undefined;
    if (changed && status === "silent" && kind) {
      transition = { tenantId, nasId: d.id, kind, detail };
      update.alertId = await raise(tx, tenantId, d, kind, detail);
    } else if (changed && h.status === "silent" && status === "online") {
      transition = { tenantId, nasId: d.id, kind: "back", detail: "packets arriving again" };
      if (h.alertId) await tx.update(alerts).set({ resolvedAt: f.now }).where(eq(alerts.id, h.alertId));
      update.alertId = null;
    }
    await tx.update(nasHealth).set(update).where(eq(nasHealth.nasId, d.id));
    if (transition) await record(tx, tenant, d, transition, f.now);
    return transition;
  });
}

/** One console alert per silent NAS (the backup alerts' helper keeps one per tenant and kind). */
async function raise(
  tx: Executor,
  tenantId: string,
  d: Device,
  kind: "silent" | "accounting_gap",
  detail: string,
): Promise<string | null> {
  const [row] = await tx
    .insert(alerts)
    .values({
      tenantId,
      kind: kind === "silent" ? "nas_silent" : "nas_accounting_gap",
      message: `NAS ${d.name} (${d.address}): ${detail}`,
    })
    .returning({ id: alerts.id });
  return row?.id ?? null;
}

/** The tenant's event row and a mail to each active administrator, in the transition's transaction. */
async function record(
  tx: Executor,
  { id: tenantId, t }: { id: string; t: Tables },
  d: Device,
  tr: NasTransition,
  now: Date,
): Promise<void> {
  const [tenant] = await tx
    .select({ timezone: tenants.timezone, name: tenants.companyName })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!tenant) return;
  await tx.insert(t.nasEvents).values({ nasId: d.id, kind: tr.kind, detail: tr.detail, createdAt: now });
  const admins = await tx
    .select({ email: t.users.email })
    .from(t.users)
    .leftJoin(t.permissionGroups, eq(t.permissionGroups.id, t.users.permissionGroupId))
    .where(
      and(eq(t.users.status, "active"), sql`(${t.users.isOwner} or coalesce(${t.permissionGroups.isSystem}, false))`),
    );
  const when = now.toLocaleString("en-GB", { timeZone: tenant.timezone, dateStyle: "medium", timeStyle: "short" });
  const what = tr.kind === "back" ? "is back" : tr.kind === "silent" ? "went silent" : "stopped sending accounting";
  for (const a of admins) {
    await enqueueMail(tx, {
      kind: "operator_alert",
      tenantId,
      to: a.email,
      subject: `[${tenant.name}] NAS ${d.name} ${what}`,
      body: [
        `NAS ${d.name} (${d.address}) ${what} at ${when} (${tenant.timezone}).`,
        tr.detail,
        "",
        "The NAS page of your panel shows its status and events.",
      ].join("\n"),
    });
  }
}

async function dropRemoved(db: Db, tenantId: string, keep: string[]): Promise<void> {
  const where = and(eq(nasHealth.tenantId, tenantId), keep.length ? notInArray(nasHealth.nasId, keep) : undefined);
  const gone = await db.delete(nasHealth).where(where).returning({ alertId: nasHealth.alertId });
  const ids = gone.map((g) => g.alertId).filter((id): id is string => id !== null);
  if (ids.length) await db.update(alerts).set({ resolvedAt: new Date() }).where(inArray(alerts.id, ids));
}
