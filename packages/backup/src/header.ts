import { SALT_BYTES } from "./keys.ts";

export const MAGIC = "PROXPANEL_ENCRYPTED_BACKUP_V2";
export const FORMAT_VERSION = 2;
/** A header is a few hundred bytes; anything longer is not one of ours. */
export const MAX_HEADER_BYTES = 4096;

export type Compression = "gzip" | "brotli";

/** The plaintext head of a `.proisp.bak` file. Authenticated (as AAD of every chunk), not secret. */
export interface ArchiveHeader {
  tenantId: string;
  formatVersion: number;
  schemaVersion: number;
  keyId: string;
  createdAt: Date;
  salt: Buffer;
  compression: Compression;
  chunkSize: number;
}

export const TENANT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const FIELDS = {
  TENANT_ID: TENANT_ID_RE,
  FORMAT_VERSION: /^2$/,
  SCHEMA_VERSION: /^(0|[1-9][0-9]{0,5})$/,
  KEY_ID: /^[0-9a-f]{32}$/,
  CREATED_AT: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
  SALT: new RegExp(`^[0-9a-f]{${SALT_BYTES * 2}}$`),
  COMPRESSION: /^(gzip|brotli)$/,
  CHUNK_SIZE: /^[1-9][0-9]{3,7}$/,
} as const;
type Field = keyof typeof FIELDS;

export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 8 * 1024 * 1024;

export function encodeHeader(h: ArchiveHeader): Buffer {
  const values: Record<Field, string> = {
    TENANT_ID: h.tenantId,
    FORMAT_VERSION: String(h.formatVersion),
    SCHEMA_VERSION: String(h.schemaVersion),
    KEY_ID: h.keyId,
    CREATED_AT: h.createdAt.toISOString(),
    SALT: h.salt.toString("hex"),
    COMPRESSION: h.compression,
    CHUNK_SIZE: String(h.chunkSize),
  };
  const lines = [MAGIC];
  for (const [name, re] of Object.entries(FIELDS) as [Field, RegExp][]) {
    const value = values[name];
    if (!re.test(value)) throw new Error(`invalid archive header value for ${name}`);
    lines.push(`${name}=${value}`);
  }
  // The blank line ends the header, so a reader needs no length field in front of it.
  return Buffer.from(`${lines.join("\n")}\n\n`, "utf8");
}

/** Strict: magic first, every field exactly once, nothing unknown. `text` excludes the blank line. */
export function decodeHeader(text: string): ArchiveHeader {
  const [magic, ...lines] = text.split("\n");
  if (magic !== MAGIC) throw new Error("not a ProxPanel V2 backup (bad magic line)");
  const seen = new Map<Field, string>();
  for (const line of lines) {
    const eq = line.indexOf("=");
    const name = line.slice(0, eq) as Field;
    const value = line.slice(eq + 1);
    if (eq < 1 || !Object.hasOwn(FIELDS, name)) throw new Error(`unknown archive header line: ${line.slice(0, 40)}`);
    if (seen.has(name)) throw new Error(`duplicate archive header field ${name}`);
    if (!FIELDS[name].test(value)) throw new Error(`invalid archive header value for ${name}`);
    seen.set(name, value);
  }
  const get = (name: Field): string => {
    const v = seen.get(name);
    if (v === undefined) throw new Error(`archive header lacks ${name}`);
    return v;
  };
  const chunkSize = Number(get("CHUNK_SIZE"));
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) throw new Error("archive chunk size out of range");
  const createdAt = new Date(get("CREATED_AT"));
  if (Number.isNaN(createdAt.getTime())) throw new Error("invalid archive creation time");
  return {
    tenantId: get("TENANT_ID"),
    formatVersion: Number(get("FORMAT_VERSION")),
    schemaVersion: Number(get("SCHEMA_VERSION")),
    keyId: get("KEY_ID"),
    createdAt,
    salt: Buffer.from(get("SALT"), "hex"),
    compression: get("COMPRESSION") as Compression,
    chunkSize,
  };
}
