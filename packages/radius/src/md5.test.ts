import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HmacMd5Key, hmacMd5With, md5Concat } from "./md5.ts";

// Every length around the one- and two-block padding boundaries, and a few multi-block ones.
const LENGTHS = [...Array.from({ length: 140 }, (_, i) => i), 255, 1000, 4096, 9000];

describe("md5Concat", () => {
  it("matches node:crypto for every length around the block boundaries", () => {
    for (const n of LENGTHS) {
      const data = randomBytes(n);
      expect(md5Concat([data]).toString("hex"), `length ${n}`).toBe(createHash("md5").update(data).digest("hex"));
    }
  });

  it("hashes parts as their concatenation, strings as UTF-8", () => {
    const a = randomBytes(37);
    const b = "sécret";
    const c = randomBytes(64);
    const expected = createHash("md5").update(a).update(b, "utf8").update(c).digest("hex");
    expect(md5Concat([a, b, c]).toString("hex")).toBe(expected);
  });

  it("writes into a caller's buffer at an offset", () => {
    const out = Buffer.alloc(40, 7);
    md5Concat([Buffer.from("abc")], out, 20);
    expect(out.subarray(20, 36).toString("hex")).toBe(createHash("md5").update("abc").digest("hex"));
    expect(out.subarray(0, 20).every((b) => b === 7)).toBe(true);
    expect(out.subarray(36).every((b) => b === 7)).toBe(true);
  });
});

describe("hmacMd5With", () => {
  it("matches node:crypto for short, block-sized, long and empty keys", () => {
    for (const keyLength of [0, 1, 12, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const k = new HmacMd5Key(key);
      for (const n of LENGTHS) {
        const data = randomBytes(n);
        expect(hmacMd5With(k, data).toString("hex"), `key ${keyLength}, length ${n}`).toBe(
          createHmac("md5", key).update(data).digest("hex"),
        );
      }
    }
  });

  it("hashes the zero ranges as zeroes and leaves the input untouched", () => {
    const key = new HmacMd5Key("bench-secret");
    const data = randomBytes(90);
    const before = Buffer.from(data);
    const zeroed = Buffer.from(data);
    zeroed.fill(0, 4, 20);
    zeroed.fill(0, 22, 38);
    const expected = createHmac("md5", "bench-secret").update(zeroed).digest("hex");
    expect(hmacMd5With(key, data, undefined, 0, 22, 38, 4, 20).toString("hex")).toBe(expected);
    expect(data.equals(before)).toBe(true);
  });
});
