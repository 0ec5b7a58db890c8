import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { TENANT_ID_RE } from "../header.ts";
import type { ObjectInfo, ObjectStore } from "./object-store.ts";

export const BACKUP_SUFFIX = ".proisp.bak";
/**
 * What a caller may name a backup: one path segment of letters, digits, dot, dash and underscore,
 * starting with a letter or digit, ending in `.proisp.bak`, with no `..` anywhere. No `/`, `\`, `%`,
 * so neither a raw nor a URL-decoded name can leave the tenant's prefix.
 */
export const BACKUP_FILENAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.proisp\.bak$/;

export function assertBackupFilename(filename: string): void {
  if (!BACKUP_FILENAME_RE.test(filename) || filename.includes("..")) {
    throw new Error(`invalid backup file name: ${JSON.stringify(filename.slice(0, 200))}`);
  }
}

export function tenantPrefix(tenantId: string): string {
  if (!TENANT_ID_RE.test(tenantId)) throw new Error(`invalid tenant id: ${JSON.stringify(tenantId.slice(0, 80))}`);
  return `cloud_backups/tenant_${tenantId}/`;
}

/** The only way a backup key is built: from the tenant id the server resolved, plus a checked name. */
export function backupKey(tenantId: string, filename: string): string {
  assertBackupFilename(filename);
  return `${tenantPrefix(tenantId)}${filename}`;
}

/** e.g. `backup-20250101T020000Z-1a2b3c.proisp.bak`. */
export function newBackupFilename(at = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return `backup-${stamp}-${randomBytes(3).toString("hex")}${BACKUP_SUFFIX}`;
}

export interface TenantBackupInfo {
  filename: string;
  size: number;
  lastModified: Date;
}

/** One tenant's view of the store: it cannot name, list or touch any key outside its own prefix. */
export class TenantBackupStore {
  readonly #store: ObjectStore;
  readonly #tenantId: string;
  readonly #prefix: string;

  constructor(store: ObjectStore, tenantId: string) {
    this.#store = store;
    this.#prefix = tenantPrefix(tenantId);
    this.#tenantId = tenantId;
  }

  async put(filename: string, body: Readable, size: number): Promise<void> {
    return this.#store.put(backupKey(this.#tenantId, filename), body, size);
  }

  async get(filename: string): Promise<Readable> {
    return this.#store.get(backupKey(this.#tenantId, filename));
  }

  async stat(filename: string): Promise<TenantBackupInfo | undefined> {
    const info = await this.#store.stat(backupKey(this.#tenantId, filename));
    return info && { filename, size: info.size, lastModified: info.lastModified };
  }

  /** Only well-formed archive names directly under the prefix; anything else there is not a backup. */
  async list(): Promise<TenantBackupInfo[]> {
    const objects = await this.#store.list(this.#prefix);
    return objects.flatMap((o: ObjectInfo) => {
      const filename = o.key.slice(this.#prefix.length);
      if (!o.key.startsWith(this.#prefix) || !BACKUP_FILENAME_RE.test(filename) || filename.includes("..")) return [];
      return [{ filename, size: o.size, lastModified: o.lastModified }];
    });
  }

  async delete(filename: string): Promise<void> {
    return this.#store.delete(backupKey(this.#tenantId, filename));
  }

  /** Total bytes stored, for the plan quota. */
  async usedBytes(): Promise<number> {
    return (await this.list()).reduce((sum, b) => sum + b.size, 0);
  }
}
