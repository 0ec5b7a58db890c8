import { type Readable, Transform, type TransformCallback } from "node:stream";

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * The backup store: local directory (embedded default) or S3/MinIO. Sizes are known before upload
 * because archives are staged to a local file first (the spec's backup-staging directory, which is
 * also what lets uploads be retried while the store is unreachable).
 */
export interface ObjectStore {
  put(key: string, body: Readable, size: number): Promise<void>;
  /** Rejects with ObjectNotFoundError when the key does not exist. */
  get(key: string): Promise<Readable>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix` (which must end with "/"), any depth. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
  constructor(key: string) {
    super(`no such backup object: ${key}`);
  }
}

const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

/**
 * The store's own guard, under the tenant-level one: a key is "/"-separated segments of a small
 * alphabet, none empty, "." or "..", so no key can name anything outside the store's root or bucket.
 */
export function assertObjectKey(key: string, opts: { prefix?: boolean } = {}): void {
  const parts = key.split("/");
  if (opts.prefix) {
    if (parts.pop() !== "") throw new Error(`object key prefix must end with "/": ${JSON.stringify(key)}`);
  }
  if (key.length > 1024 || parts.length === 0 || !parts.every((p) => SEGMENT_RE.test(p) && !/^\.+$/.test(p))) {
    throw new Error(`invalid object key: ${JSON.stringify(key)}`);
  }
}

/**
 * Passes bytes through and fails as soon as they exceed, or end short of, the announced size: an S3
 * PUT with a Content-Length the body never reaches would otherwise wait forever.
 */
export class SizeCheck extends Transform {
  #seen = 0;
  readonly #size: number;
  readonly #key: string;

  constructor(key: string, size: number) {
    super();
    this.#key = key;
    this.#size = size;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#size)
      cb(new Error(`upload of ${this.#key} is longer than the announced ${this.#size} bytes`));
    else cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.#seen !== this.#size)
      cb(new Error(`upload of ${this.#key} has ${this.#seen} bytes, expected ${this.#size}`));
    else cb();
  }
}
