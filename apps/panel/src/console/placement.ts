import type { TenantPlacement } from "./types";

/**
 * What the console says about a tenant's placement and where it may move it. One place for the
 * three cases the API answers: plain PostgreSQL (no nodes), Citus with the schema not distributed
 * (made before Citus was set up), and a distributed schema on one node.
 */
export type PlacementView =
  | { kind: "single"; where: string; why: string }
  | { kind: "undistributed"; where: string; why: string }
  | { kind: "node"; where: string; targets: string[]; why: string | null };

export const SINGLE_DATABASE = "Single database";

/** The workers the tenant could go to: active, taking tenants, and not where it is now. */
export function moveTargets(p: TenantPlacement): string[] {
  return p.nodes.filter((n) => n.role === "worker" && n.takesTenants && n.node !== p.node).map((n) => n.node);
}

export function placementView(p: TenantPlacement): PlacementView {
  if (p.nodes.length === 0) {
    return {
      kind: "single",
      where: `${SINGLE_DATABASE} (plain PostgreSQL)`,
      why: "Moving a tenant between nodes needs a Citus cluster; this database is one PostgreSQL server.",
    };
  }
  if (!p.distributed || !p.node) {
    return {
      kind: "undistributed",
      where: "Coordinator (not a distributed schema)",
      why: "This tenant's schema was created before Citus was set up, so Citus cannot move it.",
    };
  }
  const targets = moveTargets(p);
  return {
    kind: "node",
    where: p.node,
    targets,
    why: targets.length === 0 ? "No other worker of the cluster takes tenants." : null,
  };
}
