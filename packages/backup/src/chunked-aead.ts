import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/**
 * AES-256-GCM in fixed-size chunks, the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár):
 * chunk i is sealed with nonce = 0x000000 ‖ uint64(i) ‖ final-flag, so a chunk moved, dropped,
 * duplicated or cut off at a chunk boundary fails authentication. Every chunk also carries the
 * archive header (hashed) as associated data, so the header cannot be edited either. The key is
 * fresh for every archive (per-archive HKDF salt), so a counter nonce never repeats under one key.
 */
export const TAG_BYTES = 16;

function nonce(index: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(index), 3);
  n[11] = final ? 1 : 0;
  return n;
}

export function headerAad(headerBytes: Buffer): Buffer {
  return createHash("sha256").update(headerBytes).digest();
}

export class ChunkAuthError extends Error {
  constructor(index: number) {
    super(
      `backup archive failed authentication at chunk ${index}: tampered, truncated, reordered, or opened with the wrong key`,
    );
    this.name = "ChunkAuthError";
  }
}

/**
 * Seals plaintext into chunks and writes `prefix` (the header) in front. A full buffer is sealed as
 * non-final only once more input arrives; whatever is buffered at the end is the final chunk (possibly
 * empty), so a reader never has to guess where the stream ends.
 */
export class SealStream extends Transform {
  readonly #key: Buffer;
  readonly #aad: Buffer;
  readonly #buf: Buffer;
  #len = 0;
  #index = 0;
  #prefix: Buffer | undefined;

  constructor(key: Buffer, aad: Buffer, chunkSize: number, prefix?: Buffer) {
    super();
    this.#key = key;
    this.#aad = aad;
    this.#buf = Buffer.alloc(chunkSize);
    this.#prefix = prefix;
  }

  #seal(final: boolean): Buffer {
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce(this.#index, final));
    cipher.setAAD(this.#aad);
    const body = cipher.update(this.#buf.subarray(0, this.#len));
    cipher.final();
    this.#index++;
    this.#len = 0;
    return Buffer.concat([body, cipher.getAuthTag()]);
  }

  #writePrefix(): void {
    if (this.#prefix) this.push(this.#prefix);
    this.#prefix = undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#writePrefix();
    let off = 0;
    while (off < chunk.length) {
      if (this.#len === this.#buf.length) this.push(this.#seal(false));
      const n = chunk.copy(this.#buf, this.#len, off);
      this.#len += n;
      off += n;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.#writePrefix();
    this.push(this.#seal(true));
    cb();
  }
}

/** The reverse of SealStream, fed ciphertext without the header. Releases only authenticated bytes. */
export class ChunkOpener {
  readonly #key: Buffer;
  readonly #aad: Buffer;
  readonly #buf: Buffer;
  #len = 0;
  #index = 0;
  #done = false;

  constructor(key: Buffer, aad: Buffer, chunkSize: number) {
    this.#key = key;
    this.#aad = aad;
    this.#buf = Buffer.alloc(chunkSize + TAG_BYTES);
  }

  #open(final: boolean): Buffer {
    if (this.#len < TAG_BYTES) throw new ChunkAuthError(this.#index);
    const decipher = createDecipheriv("aes-256-gcm", this.#key, nonce(this.#index, final));
    decipher.setAAD(this.#aad);
    decipher.setAuthTag(this.#buf.subarray(this.#len - TAG_BYTES, this.#len));
    const plain = decipher.update(this.#buf.subarray(0, this.#len - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      throw new ChunkAuthError(this.#index);
    }
    this.#index++;
    this.#len = 0;
    return plain;
  }

  /** Plaintext of every chunk completed by `data` (none is final: more input may follow). */
  push(data: Buffer): Buffer[] {
    if (this.#done) throw new Error("backup archive has data after its final chunk");
    const out: Buffer[] = [];
    let off = 0;
    while (off < data.length) {
      if (this.#len === this.#buf.length) out.push(this.#open(false));
      const n = data.copy(this.#buf, this.#len, off);
      this.#len += n;
      off += n;
    }
    return out;
  }

  /** The final chunk; fails if the input stopped anywhere but at the real end. */
  finish(): Buffer {
    const last = this.#open(true);
    this.#done = true;
    return last;
  }
}
