import { z } from "zod";

/**
 * Inside the encrypted body is a tar stream:
 *   contents.json                 first: schema version and the tables with their columns, in the order
 *                                 their data follows (tenant archives: largest first; `public`: parents first)
 *   tables/<table>/<seq>.copy     each table's `COPY ... TO STDOUT` data (binary format; text in older
 *                                 archives), cut into pieces of at most PIECE_BYTES so a tar entry's
 *                                 size is known without spooling to disk; an empty table has none
 *   uploads/<relative path>       the tenant's uploads, regular files only
 *   manifest.json                 last: row counts, sizes and sha256 of everything above, sequences
 * The manifest comes last because its figures exist only once everything was streamed.
 */
export const PIECE_BYTES = 1024 * 1024;
export const CONTENTS_ENTRY = "contents.json";
export const MANIFEST_ENTRY = "manifest.json";

// A table or column name we are willing to put (quoted) into COPY text.
const IDENT = z.string().regex(/^[a-z_][a-z0-9_$]{0,62}$/);

export const tableSpecSchema = z.strictObject({ name: IDENT, columns: z.array(IDENT).min(1) });
export type TableSpec = z.infer<typeof tableSpecSchema>;

export const contentsSchema = z.strictObject({
  format: z.literal(2),
  tenantId: z.string(),
  sourceSchema: z.string(),
  schemaVersion: z.number().int().nonnegative(),
  tables: z.array(tableSpecSchema),
  /** How the table pieces are encoded (see copy-format.ts); absent in archives from before binary. */
  copyFormat: z.enum(["text", "binary"]).optional(),
});
export type Contents = z.infer<typeof contentsSchema>;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestSchema = z.strictObject({
  format: z.literal(2),
  tenantId: z.string(),
  sourceSchema: z.string(),
  schemaVersion: z.number().int().nonnegative(),
  createdAt: z.string(),
  tables: z.array(
    z.strictObject({
      name: IDENT,
      columns: z.array(IDENT).min(1),
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      sha256,
    }),
  ),
  sequences: z.array(
    z.strictObject({ name: IDENT, lastValue: z.string().regex(/^-?\d{1,20}$/), isCalled: z.boolean() }),
  ),
  uploads: z.array(z.strictObject({ path: z.string(), bytes: z.number().int().nonnegative(), sha256 })),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function pieceName(table: string, seq: number): string {
  return `tables/${table}/${String(seq).padStart(6, "0")}.copy`;
}

const PIECE_RE = /^tables\/([a-z_][a-z0-9_$]{0,62})\/(\d{6})\.copy$/;

export function parsePieceName(name: string): { table: string; seq: number } | undefined {
  const m = PIECE_RE.exec(name);
  return m?.[1] && m[2] ? { table: m[1], seq: Number(m[2]) } : undefined;
}

/**
 * An uploads path as stored in the archive: relative, forward slashes, no empty, `.` or `..` parts,
 * no control characters or backslashes. Checked on the way in and, since an archive is input, on the
 * way out before anything is written.
 */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(p)) return false;
  return p.split("/").every((part) => part.length > 0 && part !== "." && part !== ".." && part.length <= 255);
}

export const UPLOADS_PREFIX = "uploads/";

/** Quotes a name already checked against IDENT / SCHEMA_NAME_RE. */
export function q(ident: string): string {
  return `"${ident.replaceAll('"', '""')}"`;
}
