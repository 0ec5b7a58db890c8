import { createHash, hkdfSync, randomBytes } from "node:crypto";

/** What opens one tenant's archives. All three are needed; none is ever written into an archive. */
export interface KeyMaterial {
  /** The cluster's license key. */
  licenseKey: string;
  /** The tenant's registry id; also written in clear into the archive header. */
  tenantId: string;
  /** The per-tenant secret kept in the registry (`tenants.secret`). */
  tenantSecret: string;
  /**
   * "cluster": the archive of the `public` schema, opened by the license key alone (the tenant
   * secrets are inside it), under its own HKDF info and key-id salt so that neither kind of key can
   * ever stand in for the other.
   */
  scope?: "tenant" | "cluster";
}

/** The archive "tenant id" of cluster archives; tenant ids are UUIDs, so it can never clash. */
export const CLUSTER_ARCHIVE_ID = "cluster";

export function clusterKeys(licenseKey: string): KeyMaterial {
  return { licenseKey, tenantId: CLUSTER_ARCHIVE_ID, tenantSecret: CLUSTER_ARCHIVE_ID, scope: "cluster" };
}

export const SALT_BYTES = 32;
const KEY_INFO = Buffer.from("proxpanel backup v2: archive key");
const KEY_ID_SALT = Buffer.from("proxpanel backup v2: key id");
const KEY_ID_INFO = Buffer.from("proxpanel backup v2: fingerprint");
const CLUSTER_KEY_INFO = Buffer.from("proxpanel backup v2: cluster archive key");
const CLUSTER_KEY_ID_SALT = Buffer.from("proxpanel backup v2: cluster key id");

const isCluster = (m: KeyMaterial) => m.scope === "cluster";

/**
 * Length-prefixed so that ("ab", "c") and ("a", "bc") give different input: plain concatenation (as
 * the reference's sha256(license + tenant + password) does) lets two tenants collide.
 */
function inputKeyMaterial(m: KeyMaterial): Buffer {
  const parts = [m.licenseKey, m.tenantId, m.tenantSecret].map((s) => {
    if (s.length === 0) throw new Error("backup key material may not be empty");
    const bytes = Buffer.from(s, "utf8");
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    return Buffer.concat([len, bytes]);
  });
  return Buffer.concat(parts);
}

/** The AES-256 key of one archive: HKDF-SHA256 with that archive's own random salt. */
export function deriveArchiveKey(m: KeyMaterial, salt: Buffer): Buffer {
  if (salt.length !== SALT_BYTES) throw new Error("archive salt has the wrong length");
  return Buffer.from(hkdfSync("sha256", inputKeyMaterial(m), salt, isCluster(m) ? CLUSTER_KEY_INFO : KEY_INFO, 32));
}

/**
 * A public fingerprint of the key material, the same for every archive of one tenant key. It tells a
 * wrong key from a damaged archive before any decryption; HKDF output reveals nothing of its input.
 */
export function keyId(m: KeyMaterial): string {
  const idSalt = isCluster(m) ? CLUSTER_KEY_ID_SALT : KEY_ID_SALT;
  const okm = Buffer.from(hkdfSync("sha256", inputKeyMaterial(m), idSalt, KEY_ID_INFO, 16));
  return createHash("sha256").update(okm).digest("hex").slice(0, 32);
}

export function newSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}
