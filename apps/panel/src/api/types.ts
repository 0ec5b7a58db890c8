/** Response shapes both the tenant panel and the console read. */

/** One page of a list endpoint. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/** A row of a backup list (the tenant's own list and the console's per-tenant list). */
export interface Backup {
  id: string;
  filename: string;
  sizeBytes: number;
  status: "pending_upload" | "uploaded" | "failed";
  kind: string;
  pinned: boolean;
  schemaVersion: number;
  error: string | null;
  createdAt: string;
}
