import type { HttpBindings } from "@hono/node-server";
import type { BoundTenantClient } from "@proxpanel/db";
import type { ResolvedTenant } from "@proxpanel/tenancy";
import type { Logger } from "pino";

export interface TenantContext extends BoundTenantClient {
  id: string;
  slug: string;
}

export interface TenantPrincipal {
  realm: "tenant";
  userId: string;
  email: string;
  isOwner: boolean;
  permissions: readonly string[];
  /** Non-null for a reseller's login: services scope every read and write to this reseller. */
  resellerId: string | null;
}

/** A subscriber signed into the self-care portal of this tenant. */
export interface PortalPrincipal {
  realm: "portal";
  subscriberId: string;
  username: string;
}

export interface SuperAdminPrincipal {
  realm: "superadmin";
  superAdminId: string;
  email: string;
  mfa: boolean;
}

export type Site = { kind: "apex" } | { kind: "tenant"; tenant: ResolvedTenant };

/** The single Hono environment of the API: every typed slot middleware can fill. */
export interface AppEnv {
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    logger: Logger;
    /** The client's address, taken from X-Forwarded-For only when the peer is a trusted proxy. */
    clientIp: string;
    /** The host the client asked for, under the same rule for X-Forwarded-Host. */
    host: string;
    site: Site;
    tenant: TenantContext;
    auth: TenantPrincipal;
    portal: PortalPrincipal;
    superAdmin: SuperAdminPrincipal;
  };
}
