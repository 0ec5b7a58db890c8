import { describe, expect, it } from "vitest";
import { moveTargets, placementView } from "./placement";

const worker = (node: string, takesTenants = true) => ({ node, role: "worker" as const, takesTenants, tenants: 1 });
const coordinator = { node: "c:5432", role: "coordinator" as const, takesTenants: false, tenants: 0 };

describe("tenant placement in the console", () => {
  it("plain PostgreSQL: a single database and nothing to move to", () => {
    const view = placementView({ distributed: false, node: null, nodes: [] });
    expect(view.kind).toBe("single");
    expect(view.where).toContain("Single database");
  });

  it("Citus, schema not distributed: says so, no targets", () => {
    expect(placementView({ distributed: false, node: null, nodes: [coordinator, worker("w1:1")] }).kind).toBe(
      "undistributed",
    );
  });

  it("targets are the other workers that take tenants, never the coordinator or where it is", () => {
    const p = {
      distributed: true,
      node: "w1:1",
      nodes: [coordinator, worker("w1:1"), worker("w2:2"), worker("w3:3", false)],
    };
    expect(moveTargets(p)).toEqual(["w2:2"]);
    expect(placementView(p)).toEqual({ kind: "node", where: "w1:1", targets: ["w2:2"], why: null });
  });

  it("no other worker: the node, no targets and why", () => {
    const view = placementView({ distributed: true, node: "w1:1", nodes: [coordinator, worker("w1:1")] });
    expect(view).toMatchObject({ kind: "node", targets: [], why: "No other worker of the cluster takes tenants." });
  });
});
