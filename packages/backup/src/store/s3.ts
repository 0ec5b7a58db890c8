import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Client, type ClientOptions } from "minio";
import { assertObjectKey, type ObjectInfo, ObjectNotFoundError, type ObjectStore, SizeCheck } from "./object-store.ts";

export interface S3StoreOptions {
  client: ClientOptions;
  bucket: string;
  /** Lifetime of the presigned URL each upload uses. */
  uploadUrlSeconds?: number;
}

/** S3's limit for one PUT; archives above it would need multipart (see README). */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "NotFound" || code === "NoSuchKey";
}

/**
 * S3 / MinIO through the `minio` client. Uploads are ONE streamed PUT with a known Content-Length to a
 * presigned URL: the client's `putObject` reads a whole single-part body into memory, and its
 * multipart path first lists in-progress uploads (`GET ?uploads`), which s3rver (the test server)
 * does not implement. A presigned PUT keeps memory flat and works on both.
 */
export class S3ObjectStore implements ObjectStore {
  readonly #client: Client;
  readonly #bucket: string;
  readonly #urlSeconds: number;

  constructor(opts: S3StoreOptions) {
    this.#client = new Client(opts.client);
    this.#bucket = opts.bucket;
    this.#urlSeconds = opts.uploadUrlSeconds ?? 3600;
  }

  async put(key: string, body: Readable, size: number): Promise<void> {
    assertObjectKey(key);
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SINGLE_PUT_BYTES) {
      throw new Error(`cannot upload ${size} bytes in one PUT`);
    }
    const url = new URL(await this.#client.presignedPutObject(this.#bucket, key, this.#urlSeconds));
    const transport = url.protocol === "https:" ? https : http;
    const req = transport.request(url, {
      method: "PUT",
      headers: { "content-length": String(size), "content-type": "application/octet-stream" },
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
    });
    await Promise.all([pipeline(body, new SizeCheck(key, size), req), response]);
    const res = await response;
    const text = await readText(res);
    if (res.statusCode !== 200) throw new Error(`S3 PUT ${key} failed: ${res.statusCode} ${text.slice(0, 300)}`);
  }

  async get(key: string): Promise<Readable> {
    assertObjectKey(key);
    try {
      return await this.#client.getObject(this.#bucket, key);
    } catch (err) {
      throw isNotFound(err) ? new ObjectNotFoundError(key) : err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    assertObjectKey(key);
    try {
      const st = await this.#client.statObject(this.#bucket, key);
      return { key, size: st.size, lastModified: st.lastModified };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertObjectKey(prefix, { prefix: true });
    const out: ObjectInfo[] = [];
    for await (const item of this.#client.listObjectsV2(this.#bucket, prefix, true)) {
      // Recursive listing yields objects only; prefix entries ("folders") have no name.
      if (item.name?.startsWith(prefix)) out.push({ key: item.name, size: item.size, lastModified: item.lastModified });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    await this.#client.removeObject(this.#bucket, key);
  }
}

async function readText(res: http.IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of res as AsyncIterable<Buffer>) if (text.length < 4096) text += chunk.toString("utf8");
  return text;
}
