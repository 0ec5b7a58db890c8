import { describe, expect, it } from "vitest";
import { TenancyError } from "./errors.ts";
import { normalizeHost } from "./resolver.ts";
import { assertValidSlug, schemaNameFor, slugProblem } from "./slug.ts";

describe("slug rules", () => {
  it.each(["acme", "big-isp", "a1b", "x".repeat(40), "isp-2-go"])("accepts %s", (slug) => {
    expect(slugProblem(slug)).toBeUndefined();
    expect(() => assertValidSlug(slug)).not.toThrow();
  });

  it.each([
    "ab",
    "x".repeat(41),
    "-acme",
    "acme-",
    "ac--me",
    "Acme",
    "ac_me",
    "ac.me",
    "a b",
    "acme'; drop schema public; --",
    "ácme",
  ])("refuses %j", (slug) => {
    expect(() => assertValidSlug(slug)).toThrowError(TenancyError);
  });

  it.each(["www", "api", "admin", "saas", "mail", "app", "static", "template", "public", "pg-catalog", "pg-toast"])(
    "refuses reserved word %s",
    (slug) => {
      try {
        assertValidSlug(slug);
        expect.unreachable();
      } catch (err) {
        expect((err as TenancyError).code).toBe("reserved_slug");
      }
    },
  );

  it("maps slugs to schema names one-to-one", () => {
    expect(schemaNameFor("big-isp")).toBe("tenant_big_isp");
    expect(schemaNameFor("bigisp")).not.toBe(schemaNameFor("big-isp"));
  });
});

describe("host normalisation", () => {
  it("lower-cases and strips the port and a trailing dot", () => {
    expect(normalizeHost("ACME.Example.COM:8443")).toBe("acme.example.com");
    expect(normalizeHost("acme.example.com.")).toBe("acme.example.com");
  });

  it.each(["", "[::1]:8080", "acme.example.com/evil", "a'b.example.com", "x".repeat(300)])(
    "turns %j into no host at all",
    (h) => {
      expect(normalizeHost(h)).toBe("");
    },
  );
});
