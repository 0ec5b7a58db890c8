import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Secrets the servers must read back (PPPoE passwords, NAS shared secrets, WireGuard private
 * keys) are sealed with AES-256-GCM under a per-tenant key: HKDF-SHA256 over the cluster's data
 * key, salted with the tenant id and its registry secret. One tenant's key opens nothing of
 * another's. Format: "v1.<iv>.<tag>.<ciphertext>", base64url.
 */
export function tenantDataKey(clusterKey: string, tenantId: string, tenantSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", clusterKey, `${tenantId}:${tenantSecret}`, "proxpanel/sealed-secrets/v1", 32));
}

export function seal(key: Buffer, plaintext: string, context = ""): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  // The context (e.g. "subscriber:<username>") is bound in, so a sealed value cannot be moved
  // to another row and still open.
  cipher.setAAD(Buffer.from(context));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(
    ".",
  );
}

export function unseal(key: Buffer, sealed: string, context = ""): string {
  const [v, iv, tag, ct] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || ct === undefined) throw new Error("malformed sealed value");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}
