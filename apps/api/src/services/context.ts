import type { TenantDb } from "@proxpanel/db";
import type { Context } from "hono";
import type { AppEnv, TenantContext } from "../env.ts";

export interface ServiceActor {
  userId: string | null;
  /** When set, the caller is a reseller and may only touch that reseller's subscribers. */
  resellerId: string | null;
  permissions: readonly string[];
  label: string;
  /** Set when a subscriber acts for itself through the self-care portal. */
  subscriberId?: string | null | undefined;
  ip: string | null;
  requestId: string | null;
}

/** What a tenant service function runs with; `db` may be a caller's transaction. */
export interface ServiceCtx {
  tenant: TenantContext;
  db: TenantDb | Parameters<Parameters<TenantDb["transaction"]>[0]>[0];
  actor: ServiceActor;
}

export function serviceCtx(c: Context<AppEnv>): ServiceCtx {
  const tenant = c.get("tenant");
  const auth = c.get("auth");
  return {
    tenant,
    db: tenant.db,
    actor: {
      userId: auth?.userId ?? null,
      resellerId: auth?.resellerId ?? null,
      permissions: auth?.permissions ?? [],
      label: auth?.email ?? "anonymous",
      ip: c.get("clientIp") || null,
      requestId: c.get("requestId") ?? null,
    },
  };
}

/** Runs `fn` in a transaction unless the context already is one. */
export async function inTransaction<T>(ctx: ServiceCtx, fn: (ctx: ServiceCtx) => Promise<T>): Promise<T> {
  if (ctx.db !== ctx.tenant.db) return fn(ctx);
  return ctx.tenant.db.transaction((tx) => fn({ ...ctx, db: tx }));
}
