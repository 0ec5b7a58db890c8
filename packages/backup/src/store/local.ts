import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertObjectKey, type ObjectInfo, ObjectNotFoundError, type ObjectStore, SizeCheck } from "./object-store.ts";

const PARTIAL = ".partial-";

/** Objects as files under one directory; what `npm start` uses when no S3 endpoint is configured. */
export class LocalObjectStore implements ObjectStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
  }

  #file(key: string): string {
    assertObjectKey(key);
    const file = path.join(this.#root, ...key.split("/"));
    if (!file.startsWith(this.#root + path.sep)) throw new Error(`object key escapes the store: ${key}`);
    return file;
  }

  async put(key: string, body: Readable, size: number): Promise<void> {
    const file = this.#file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Written beside the target and renamed, so a reader never sees half an archive.
    const tmp = `${file}${PARTIAL}${randomBytes(6).toString("hex")}`;
    try {
      await pipeline(body, new SizeCheck(key, size), createWriteStream(tmp, { flags: "wx" }));
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.#file(key);
    const handle = await fs.open(file, "r").catch((err: NodeJS.ErrnoException) => {
      throw err.code === "ENOENT" ? new ObjectNotFoundError(key) : err;
    });
    // The stream owns the handle: a bare fd would leave the FileHandle to be closed again by GC (EBADF).
    return handle.createReadStream({ autoClose: true });
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const st = await fs.stat(this.#file(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    return st?.isFile() ? { key, size: st.size, lastModified: st.mtime } : undefined;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertObjectKey(prefix, { prefix: true });
    const out: ObjectInfo[] = [];
    const walk = async (rel: string): Promise<void> => {
      const dir = path.join(this.#root, ...rel.split("/").filter(Boolean));
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return [];
        throw err;
      });
      for (const e of entries) {
        if (e.isDirectory()) await walk(`${rel}${e.name}/`);
        else if (e.isFile() && !e.name.includes(PARTIAL)) {
          const info = await this.stat(`${rel}${e.name}`);
          if (info) out.push(info);
        }
      }
    };
    await walk(prefix);
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.#file(key), { force: true });
  }
}
