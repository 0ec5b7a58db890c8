/**
 * Disconnect / CoA (RFC 5176) for a subscriber's open sessions, sent to each session's NAS with
 * that NAS's secret, retried by the client, and the outcome written to the tenant's audit log.
 * Called after the change that caused it has committed (disable, expiry, plan change): the NAS
 * answers a re-login with the new state, so sending first would race the commit.
 */
import { unseal } from "@proxpanel/auth";
import { assertSchemaName, type Db } from "@proxpanel/db";
import {
  type AttributeList,
  type DynamicAuthOptions,
  type DynamicAuthResult,
  type DynamicAuthTarget,
  sendCoa,
  sendDisconnect,
} from "@proxpanel/radius";
import type { TenantKeyRing } from "@proxpanel/tenancy";
import { sql } from "drizzle-orm";

export type DynAuthAction =
  | { kind: "disconnect"; reason: "disabled" | "expired" | "admin" }
  /** A new rate limit; NAS that cannot take a CoA get a Disconnect and pick it up on re-login. */
  | { kind: "coa"; reason: "plan_change"; rateLimit: string | null };

export interface DynAuthDeps {
  db: Db;
  keys: Pick<TenantKeyRing, "forTenant">;
  options?: DynamicAuthOptions;
  onError?: (err: unknown, where: string) => void;
}

export interface DynAuthOutcome {
  sessionId: string;
  nasId: string;
  sent: "disconnect" | "coa";
  outcome: DynamicAuthResult["outcome"];
  attempts: number;
}

type OpenSession = {
  acct_session_id: string;
  username: string;
  framed_ip: string | null;
  nas_id: string;
  nas_ip: string;
  secret_enc: string;
  coa_port: number;
  nas_type: string;
};

const MIKROTIK = 14988;

export async function applyDynAuth(
  deps: DynAuthDeps,
  tenant: { id: string; schemaName: string },
  subscriberId: string,
  action: DynAuthAction,
): Promise<DynAuthOutcome[]> {
  assertSchemaName(tenant.schemaName);
  const table = (name: string) => sql.raw(`"${tenant.schemaName}".${name}`);
  const sessions = await deps.db.execute<OpenSession>(sql`
    select r.acct_session_id, r.username, host(r.framed_ip_address) as framed_ip, n.id as nas_id,
           host(n.ip_address) as nas_ip, n.secret_enc, n.coa_port, n.type as nas_type
    from ${table("radacct")} r join ${table("nas_devices")} n on n.id = r.nas_id
    where r.subscriber_id = ${subscriberId}::uuid and r.stop_time is null`);
  if (sessions.length === 0) return [];
  const key = await deps.keys.forTenant(tenant.id);
  const outcomes = await Promise.all(
    sessions.map(async (s): Promise<DynAuthOutcome> => {
      const target = { host: s.nas_ip, port: s.coa_port, secret: unseal(key, s.secret_enc, `nas:${s.nas_id}`) };
      const identify: AttributeList = [
        ["User-Name", s.username],
        ["Acct-Session-Id", s.acct_session_id],
      ];
      if (s.framed_ip) identify.push(["Framed-IP-Address", s.framed_ip]);
      if (action.kind === "coa" && s.nas_type === "mikrotik" && action.rateLimit) {
        const coa = await sendCoa(
          target,
          [...identify, ["Vendor-Specific", MIKROTIK, [["Mikrotik-Rate-Limit", action.rateLimit]]]],
          deps.options,
        );
        if (coa.outcome === "ack") return outcome(s, "coa", coa);
        // A NAK (CoA disabled on the router) or silence: end the session so the new plan applies.
      }
      return outcome(s, "disconnect", await sendDisconnect(target, identify, deps.options));
    }),
  );
  await deps.db
    .execute(sql`
      insert into ${table("audit_logs")} (actor, action, entity_type, entity_id, details)
      values ('radius', ${`radius.${outcomes.some((o) => o.sent === "coa") ? "coa" : "disconnect"}`}, 'subscriber',
              ${subscriberId}, ${JSON.stringify({ reason: action.reason, sessions: outcomes })}::jsonb)`)
    .catch((err: unknown) => deps.onError?.(err, "dynauth audit"));
  return outcomes;
}

/** A plan's rate changed: every subscriber on it with an open session gets the CoA. */
export async function applyPlanCoa(
  deps: DynAuthDeps,
  tenant: { id: string; schemaName: string },
  planId: string,
  rateLimit: string,
): Promise<DynAuthOutcome[]> {
  assertSchemaName(tenant.schemaName);
  const online = await deps.db.execute<{ id: string }>(sql`
    select distinct s.id from ${sql.raw(`"${tenant.schemaName}".subscribers`)} s
    join ${sql.raw(`"${tenant.schemaName}".radacct`)} r on r.subscriber_id = s.id and r.stop_time is null
    where s.plan_id = ${planId}::uuid`);
  const all: DynAuthOutcome[] = [];
  for (const { id } of online) {
    all.push(...(await applyDynAuth(deps, tenant, id, { kind: "coa", reason: "plan_change", rateLimit })));
  }
  return all;
}

function outcome(s: OpenSession, sent: "disconnect" | "coa", r: DynamicAuthResult): DynAuthOutcome {
  return { sessionId: s.acct_session_id, nasId: s.nas_id, sent, outcome: r.outcome, attempts: r.attempts };
}

/**
 * Where the API hands disable / plan-change events after commit. Set once at start-up by the
 * process that has the database and the key ring (apps/api/src/main.ts); unset (tests of other
 * areas, tools) the events are simply not sent.
 */
let registered: DynAuthDeps | undefined;

export function setDynAuthDispatcher(deps: DynAuthDeps | undefined): void {
  registered = deps;
}

/** Fire-and-forget: the API answers without waiting on a router. */
export function dispatchDynAuth(
  tenant: { id: string; schemaName: string },
  subscriberId: string,
  action: DynAuthAction,
): void {
  const deps = registered;
  if (!deps) return;
  applyDynAuth(deps, tenant, subscriberId, action).catch((err: unknown) => deps.onError?.(err, "dynauth"));
}

export function dispatchPlanCoa(tenant: { id: string; schemaName: string }, planId: string, rateLimit: string): void {
  const deps = registered;
  if (!deps) return;
  applyPlanCoa(deps, tenant, planId, rateLimit).catch((err: unknown) => deps.onError?.(err, "dynauth plan"));
}

export type { DynamicAuthOptions, DynamicAuthResult, DynamicAuthTarget };

/**
 * One session an operator picked (the panel's Disconnect button). The caller has already found the
 * session and unsealed its NAS's secret through its own tenant binding, and waits for the answer,
 * so nothing here reads the database or writes the audit row.
 */
export function disconnectSession(
  target: DynamicAuthTarget,
  session: { username: string; acctSessionId: string; framedIp: string | null },
  options?: DynamicAuthOptions,
): Promise<DynamicAuthResult> {
  const identify: AttributeList = [
    ["User-Name", session.username],
    ["Acct-Session-Id", session.acctSessionId],
  ];
  if (session.framedIp) identify.push(["Framed-IP-Address", session.framedIp]);
  return sendDisconnect(target, identify, options);
}
