import { seal, tenantDataKey, unseal } from "@proxpanel/auth";
import { describe, expect, it } from "vitest";
import { nasRoutesSql, resealValue } from "./reseal.ts";

const from = tenantDataKey("source-cluster-key", "11111111-1111-4111-8111-111111111111", "source-secret");
const to = tenantDataKey("destination-key", "22222222-2222-4222-8222-222222222222", "destination-secret");
const id = "33333333-3333-4333-8333-333333333333";

describe("resealValue", () => {
  it("moves a sealed value to the destination key, bound to the same row", () => {
    const moved = resealValue(from, to, "subscribers", id, seal(from, "pppoe-pass", `subscriber:${id}`));
    expect(unseal(to, moved, `subscriber:${id}`)).toBe("pppoe-pass");
    expect(() => unseal(from, moved, `subscriber:${id}`)).toThrow();
    expect(() => unseal(to, moved, "subscriber:another-row")).toThrow();
  });

  it("refuses a value that does not open with the source key instead of copying it", () => {
    const foreign = seal(to, "nas-secret", `nas:${id}`);
    expect(() => resealValue(from, to, "nas_devices", id, foreign)).toThrow(/source's data key/);
  });

  it("refuses a value moved to another row (its context names the row)", () => {
    const other = seal(from, "wg-private", "wireguard:44444444-4444-4444-8444-444444444444");
    expect(() => resealValue(from, to, "wireguard_peers", id, other)).toThrow(/source's data key/);
  });

  it("knows only the sealed tables", () => {
    expect(() => resealValue(from, to, "users", id, "v1.a.b.c")).toThrow(/no sealed column/);
  });
});

describe("nasRoutesSql", () => {
  it("rebuilds the tenant's routes from its own NAS table, with the id as a literal", () => {
    const [del, ins] = nasRoutesSql("tenant_acme", id);
    expect(del).toBe(`delete from public.nas_routes where tenant_id = '${id}'::uuid`);
    expect(ins).toContain(`from "tenant_acme"."nas_devices"`);
  });
});
