import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { CopyFormatError, CopyTally, rowCounter } from "./copy-format.ts";
import { copyOut } from "./pg-copy.ts";

const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** A binary COPY stream by hand: rows of text-or-NULL fields, with a header extension. */
function binaryCopy(rows: (string | null)[][], extension = Buffer.alloc(0)): Buffer {
  const parts = [Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), int32(0), int32(extension.length), extension];
  for (const row of rows) {
    parts.push(int16(row.length));
    for (const v of row) {
      if (v === null) parts.push(int32(-1));
      else {
        const b = Buffer.from(v);
        parts.push(int32(b.length), b);
      }
    }
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}

const sample = binaryCopy(
  [["1", "alice", null], ["2", "", "x".repeat(300)], [], [null, null, null]],
  Buffer.from("ext"),
);

function countIn(pieces: Buffer[]): number {
  const c = rowCounter("binary");
  for (const p of pieces) c.push(p);
  c.finish();
  return c.rows;
}

describe("binary COPY row counting", () => {
  it("counts the same rows wherever the stream is cut, NULLs, empty values and zero-field rows included", () => {
    expect(countIn([sample])).toBe(4);
    for (let cut = 0; cut <= sample.length; cut++) {
      expect(countIn([sample.subarray(0, cut), sample.subarray(cut)])).toBe(4);
    }
    // One byte at a time: every fixed-size part crosses a boundary.
    expect(countIn([...sample].map((b) => Buffer.from([b])))).toBe(4);
  });

  it("refuses a stream that is cut short, continues past its trailer or is not binary COPY", () => {
    for (const cut of [5, 19, 30, sample.length - 1]) {
      expect(() => countIn([sample.subarray(0, cut)])).toThrow(CopyFormatError);
    }
    expect(() => countIn([sample, int16(1)])).toThrow(CopyFormatError);
    expect(() => countIn([Buffer.from("1\talice\n")])).toThrow(CopyFormatError);
    const badLength = Buffer.concat([binaryCopy([]).subarray(0, 19), int16(1), int32(-7)]);
    expect(() => countIn([badLength])).toThrow(CopyFormatError);
  });

  it("records an empty table as no bytes in either format", () => {
    for (const [format, data] of [
      ["binary", binaryCopy([])],
      ["text", Buffer.alloc(0)],
    ] as const) {
      const t = new CopyTally(format);
      t.add(data);
      expect(t.result()).toEqual({
        rows: 0,
        bytes: 0,
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      });
    }
  });

  const sql = postgres(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "", {
    max: 1,
    onnotice: () => {},
  });
  afterAll(() => sql.end());

  it("agrees with PostgreSQL's own row count for its binary and text COPY output", async () => {
    const query = `select i, case when i % 3 = 0 then null else repeat('v', i % 700) end as s,
        now() - i * interval '1 minute' as at, ('10.0.' || (i % 250) || '.1')::inet as ip,
        '{"a": 1}'::jsonb as j, gen_random_uuid() as u
      from generate_series(1, 5000) i`;
    for (const format of ["binary", "text"] as const) {
      const tally = new CopyTally(format);
      await sql.begin(async (tx) => {
        const opt = format === "binary" ? " (format binary)" : "";
        for await (const chunk of copyOut(tx, `copy (${query}) to stdout${opt}`)) tally.add(chunk);
      });
      expect(tally.result().rows).toBe(5000);
    }
  });
});
