import { describe, expect, it } from "vitest";
import { validateCap, validateCreateTenant } from "./tenant-form";

const valid = {
  slug: "acme-isp",
  companyName: "Acme ISP",
  plan: "starter" as const,
  adminEmail: "me@acme.test",
  adminPassword: "a-long-password",
  subscriberCap: "",
};

describe("tenant form rules", () => {
  it("accepts a complete form and an empty cap (the plan's default)", () => {
    expect(validateCreateTenant(valid)).toEqual({});
  });

  it("names every field that is wrong", () => {
    const errors = validateCreateTenant({
      ...valid,
      slug: "-bad-",
      companyName: " ",
      adminEmail: "nope",
      adminPassword: "short",
      subscriberCap: "1.5",
    });
    expect(Object.keys(errors).sort()).toEqual(["adminEmail", "adminPassword", "companyName", "slug", "subscriberCap"]);
  });

  it("bounds the subscriber cap", () => {
    expect([validateCap("0"), validateCap("1000000")]).toEqual([undefined, undefined]);
    expect(validateCap("-1")).toBeDefined();
    expect(validateCap("1000001")).toBeDefined();
  });
});
