import { describe, expect, it } from "vitest";
import { OTHER, TopTenants } from "./top-tenants.ts";

describe("TopTenants", () => {
  it("gives at most N tenants a label of their own and re-ranks by the last window", () => {
    const evicted: string[] = [];
    const top = new TopTenants(2, (t) => evicted.push(t), 0);
    expect(top.label("a")).toBe("a");
    expect(top.label("b")).toBe("b");
    expect(top.label("c")).toBe(OTHER);
    for (let i = 0; i < 5; i++) top.label("c");
    top.label("a");
    top.rerank();
    // c and a were the busiest of the window; b lost its series.
    expect(evicted).toEqual(["b"]);
    expect(top.label("c")).toBe("c");
    expect(top.label("b")).toBe(OTHER);
  });
});
