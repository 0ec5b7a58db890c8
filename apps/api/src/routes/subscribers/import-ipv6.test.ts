import { describe, expect, it } from "vitest";
import { type ImportedPrefix, ipv6Overlaps } from "./import-ipv6.ts";

const S = "static_ipv6_prefix";
const D = "delegated_ipv6_prefix";
const taken = {
  pools: [{ name: "Dyn", prefix: "2001:db8:7000::/48" }],
  subscribers: ["2001:db8:8000::/56", "2001:db8:8001::/64"],
};

describe("ipv6Overlaps (CSV import)", () => {
  it("names the pool, another subscriber or the earlier line, per line and column", () => {
    const lines: ImportedPrefix[] = [
      { line: 2, column: S, prefix: "2001:db8:7000:5::/64" }, // inside the pool
      { line: 3, column: D, prefix: "2001:db8:8000::/48" }, // around a subscriber's /56
      { line: 4, column: S, prefix: "2001:db8:9000::/64" }, // free
      { line: 4, column: D, prefix: "2001:db8:9000::/56" }, // its own /64 inside: allowed
      { line: 5, column: D, prefix: "2001:db8:9000::/60" }, // inside line 4's prefixes
      { line: 6, column: S, prefix: "2001:db8:a000::/64" }, // free
    ];
    expect(Object.fromEntries(ipv6Overlaps(lines, taken))).toEqual({
      2: [
        `${S}: 2001:db8:7000:5::/64 overlaps the IPv6 pool "Dyn" (2001:db8:7000::/48), whose prefixes are handed out dynamically`,
      ],
      3: [`${D}: 2001:db8:8000::/48 overlaps another subscriber's static IPv6 prefix`],
      5: [`${D}: 2001:db8:9000::/60 overlaps line 4's ${D} (2001:db8:9000::/56)`],
    });
  });

  it("reports only the later of two overlapping lines, whichever contains the other", () => {
    const lines: ImportedPrefix[] = [
      { line: 2, column: S, prefix: "2001:db8:b000:1::/64" },
      { line: 3, column: D, prefix: "2001:db8:b000::/56" },
    ];
    expect([...ipv6Overlaps(lines, { pools: [], subscribers: [] }).keys()]).toEqual([3]);
  });

  it("reports every repeat of one prefix, in a 20,000-line file", () => {
    const lines: ImportedPrefix[] = Array.from({ length: 20_000 }, (_, i) => ({
      line: i + 2,
      column: S,
      prefix: "2001:db8:c000::/64",
    }));
    const found = ipv6Overlaps(lines, { pools: [], subscribers: [] });
    expect(found.size).toBe(19_999);
    expect(found.get(3)).toEqual([`${S}: 2001:db8:c000::/64 overlaps line 2's ${S} (2001:db8:c000::/64)`]);
    expect(found.get(20_001)).toEqual(found.get(3));
  });

  it("prefers the pool when a line hits a pool, a subscriber and an earlier line", () => {
    const lines: ImportedPrefix[] = [
      { line: 2, column: S, prefix: "2001:db8:8000:1::/64" },
      { line: 3, column: D, prefix: "2001:db8:8000::/52" },
    ];
    const found = ipv6Overlaps(lines, { pools: [{ name: "Old", prefix: "2001:db8:8000::/40" }], subscribers: [] });
    expect(found.get(2)?.[0]).toMatch(/pool "Old"/);
    expect(found.get(3)?.[0]).toMatch(/pool "Old"/);
  });
});
