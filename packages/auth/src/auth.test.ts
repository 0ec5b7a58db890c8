import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { TokenError, TokenService } from "./jwt.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { hasPermission } from "./permissions.ts";
import { currentTotp, newTotpSecret, totpUri, verifyTotp } from "./totp.ts";

const secrets = { tenant: "t".repeat(40), superadmin: "s".repeat(40) };

describe("token realms", () => {
  const tokens = new TokenService(secrets);

  it("refuses to run with one secret for both realms", () => {
    expect(() => new TokenService({ tenant: "same".repeat(10), superadmin: "same".repeat(10) })).toThrow(/differ/);
  });

  it("round-trips tenant claims", async () => {
    const token = await tokens.signTenant({ sub: "u1", tenantId: "t1", sv: 3 });
    expect(await tokens.verifyTenant(token)).toEqual({ realm: "tenant", sub: "u1", tenantId: "t1", sv: 3 });
  });

  it("never accepts a token in the other realm", async () => {
    const tenantToken = await tokens.signTenant({ sub: "u1", tenantId: "t1", sv: 1 });
    const adminToken = await tokens.signSuperAdmin({ sub: "a1", sv: 1, mfa: true });
    await expect(tokens.verifySuperAdmin(tenantToken)).rejects.toBeInstanceOf(TokenError);
    await expect(tokens.verifyTenant(adminToken)).rejects.toBeInstanceOf(TokenError);
  });

  it("rejects a super-admin audience signed with the tenant key", async () => {
    const forged = await new SignJWT({ sv: 1, mfa: true })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("a1")
      .setIssuer("proxpanel")
      .setAudience("superadmin")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secrets.tenant));
    await expect(tokens.verifySuperAdmin(forged)).rejects.toBeInstanceOf(TokenError);
  });

  it("reports expiry separately from forgery", async () => {
    const short = new TokenService(secrets, { tenant: "-1s", superadmin: "1h" });
    const token = await short.signTenant({ sub: "u", tenantId: "t", sv: 1 });
    await expect(tokens.verifyTenant(token)).rejects.toMatchObject({ reason: "expired" });
    await expect(tokens.verifyTenant(`${token}x`)).rejects.toMatchObject({ reason: "invalid" });
  });

  it("rejects unsigned tokens", async () => {
    const payload = Buffer.from(JSON.stringify({ sub: "u", tenant_id: "t", sv: 1, aud: "tenant", iss: "proxpanel" }));
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload.toString("base64url")}.`;
    await expect(tokens.verifyTenant(none)).rejects.toBeInstanceOf(TokenError);
  });
});

describe("passwords", () => {
  it("hashes with argon2id and verifies", async () => {
    const hash = await hashPassword("s3cret-passphrase");
    expect(hash.startsWith("$argon2id$")).toBe(true);
    expect(await verifyPassword(hash, "s3cret-passphrase")).toBe(true);
    expect(await verifyPassword(hash, "wrong")).toBe(false);
    expect(await verifyPassword("not-a-hash", "x")).toBe(false);
  });
});

describe("TOTP", () => {
  it("verifies the current code and refuses others", () => {
    const secret = newTotpSecret();
    expect(verifyTotp(secret, currentTotp(secret))).toBe(true);
    expect(verifyTotp(secret, "000000") && verifyTotp(secret, "111111")).toBe(false);
    expect(verifyTotp(secret, "abc")).toBe(false);
    expect(totpUri(secret, "op@example.com")).toMatch(/^otpauth:\/\/totp\/ProxPanel:op%40example\.com\?secret=/);
  });
});

describe("permissions", () => {
  it("grants by exact name, area wildcard or full wildcard", () => {
    expect(hasPermission(["subscribers.view"], "subscribers.view")).toBe(true);
    expect(hasPermission(["subscribers.*"], "subscribers.delete")).toBe(true);
    expect(hasPermission(["*"], "backups.restore")).toBe(true);
    expect(hasPermission(["subscribers.view"], "subscribers.delete")).toBe(false);
    expect(hasPermission(["backups.*"], "subscribers.view")).toBe(false);
  });

  it("never implies a restricted permission through a wildcard", () => {
    expect(hasPermission(["*"], "backups.restore_from_other_tenant")).toBe(false);
    expect(hasPermission(["backups.*"], "backups.restore_from_other_tenant")).toBe(false);
    expect(hasPermission(["backups.restore_from_other_tenant"], "backups.restore_from_other_tenant")).toBe(true);
  });
});
