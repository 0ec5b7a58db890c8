import { errors, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";

export type Realm = "tenant" | "superadmin";

export interface TenantClaims {
  realm: "tenant";
  sub: string;
  tenantId: string;
  sv: number;
}

export interface SuperAdminClaims {
  realm: "superadmin";
  sub: string;
  sv: number;
  /** Whether the login that produced this token passed a TOTP check. */
  mfa: boolean;
}

/** A subscriber signed into its tenant's self-care portal. */
export interface PortalClaims {
  realm: "portal";
  sub: string;
  tenantId: string;
  sv: number;
}

export class TokenError extends Error {
  constructor(
    message: string,
    readonly reason: "expired" | "invalid",
  ) {
    super(message);
  }
}

const ISSUER = "proxpanel";
const enc = new TextEncoder();

/**
 * Two realms, two keys, two audiences: a token from one realm fails signature checks in the other
 * even before its audience is looked at.
 */
export class TokenService {
  private readonly keys: Record<Realm, Uint8Array>;
  // Clients send the same token on every request; remembering verified ones (keyed by the whole
  // token, signature included, and only until it expires) saves an HMAC per request.
  private readonly verified = new LRUCache<string, { payload: Record<string, unknown> & { sub: string }; exp: number }>(
    { max: 20_000 },
  );

  constructor(
    secrets: { tenant: string; superadmin: string },
    private readonly ttl: { tenant: string; superadmin: string } = { tenant: "12h", superadmin: "2h" },
  ) {
    if (secrets.tenant === secrets.superadmin) {
      throw new Error("tenant and super-admin JWT secrets must differ");
    }
    this.keys = { tenant: enc.encode(secrets.tenant), superadmin: enc.encode(secrets.superadmin) };
  }

  signTenant(c: Omit<TenantClaims, "realm">): Promise<string> {
    return new SignJWT({ tenant_id: c.tenantId, sv: c.sv })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(c.sub)
      .setIssuer(ISSUER)
      .setAudience("tenant")
      .setIssuedAt()
      .setExpirationTime(this.ttl.tenant)
      .sign(this.keys.tenant);
  }

  /**
   * A two-minute token that carries a new workspace's owner from the apex signup page to the
   * workspace's own host, where it is exchanged for a session (audience "handoff": no route
   * accepts it as a session token).
   */
  signHandoff(c: Omit<TenantClaims, "realm">): Promise<string> {
    return new SignJWT({ tenant_id: c.tenantId, sv: c.sv })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(c.sub)
      .setIssuer(ISSUER)
      .setAudience("handoff")
      .setIssuedAt()
      .setExpirationTime("2m")
      .sign(this.keys.tenant);
  }

  async verifyHandoff(token: string): Promise<TenantClaims> {
    try {
      const { payload } = await jwtVerify(token, this.keys.tenant, {
        issuer: ISSUER,
        audience: "handoff",
        algorithms: ["HS256"],
      });
      if (typeof payload.sub !== "string" || typeof payload.tenant_id !== "string" || typeof payload.sv !== "number") {
        throw new TokenError("malformed token", "invalid");
      }
      return { realm: "tenant", sub: payload.sub, tenantId: payload.tenant_id, sv: payload.sv };
    } catch (err) {
      if (err instanceof TokenError) throw err;
      if (err instanceof errors.JWTExpired) throw new TokenError("token expired", "expired");
      throw new TokenError("invalid token", "invalid");
    }
  }

  /**
   * Self-care portal sessions: signed with the tenant key but for audience "portal", so no admin
   * route (audience "tenant") accepts one and no portal route accepts an admin token.
   */
  signPortal(c: Omit<PortalClaims, "realm">): Promise<string> {
    return new SignJWT({ tenant_id: c.tenantId, sv: c.sv })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(c.sub)
      .setIssuer(ISSUER)
      .setAudience("portal")
      .setIssuedAt()
      .setExpirationTime(this.ttl.tenant)
      .sign(this.keys.tenant);
  }

  async verifyPortal(token: string): Promise<PortalClaims> {
    const p = await this.verify(token, "tenant", "portal");
    if (typeof p.tenant_id !== "string" || typeof p.sv !== "number") throw new TokenError("malformed token", "invalid");
    return { realm: "portal", sub: p.sub, tenantId: p.tenant_id, sv: p.sv };
  }

  signSuperAdmin(c: Omit<SuperAdminClaims, "realm">): Promise<string> {
    return new SignJWT({ sv: c.sv, mfa: c.mfa })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(c.sub)
      .setIssuer(ISSUER)
      .setAudience("superadmin")
      .setIssuedAt()
      .setExpirationTime(this.ttl.superadmin)
      .sign(this.keys.superadmin);
  }

  async verifyTenant(token: string): Promise<TenantClaims> {
    const p = await this.verify(token, "tenant");
    if (typeof p.tenant_id !== "string" || typeof p.sv !== "number") throw new TokenError("malformed token", "invalid");
    return { realm: "tenant", sub: p.sub, tenantId: p.tenant_id, sv: p.sv };
  }

  async verifySuperAdmin(token: string): Promise<SuperAdminClaims> {
    const p = await this.verify(token, "superadmin");
    if (typeof p.sv !== "number") throw new TokenError("malformed token", "invalid");
    return { realm: "superadmin", sub: p.sub, sv: p.sv, mfa: p.mfa === true };
  }

  private async verify(token: string, realm: Realm, audience: string = realm) {
    const key = `${audience}:${token}`;
    const hit = this.verified.get(key);
    if (hit) {
      if (hit.exp * 1000 > Date.now()) return hit.payload;
      this.verified.delete(key);
      throw new TokenError("token expired", "expired");
    }
    try {
      const { payload } = await jwtVerify(token, this.keys[realm], {
        issuer: ISSUER,
        audience,
        algorithms: ["HS256"],
      });
      if (typeof payload.sub !== "string") throw new TokenError("malformed token", "invalid");
      const verified = payload as typeof payload & { sub: string };
      if (typeof payload.exp === "number") this.verified.set(key, { payload: verified, exp: payload.exp });
      return verified;
    } catch (err) {
      if (err instanceof TokenError) throw err;
      if (err instanceof errors.JWTExpired) throw new TokenError("token expired", "expired");
      throw new TokenError("invalid token", "invalid");
    }
  }
}
