import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.ts";

describe("config", () => {
  it("has working defaults for a bare `npm start`", () => {
    const c = loadConfig({});
    expect(c.BASE_DOMAIN).toBe("localhost");
    expect(c.PORT).toBe(8080);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TRUSTED_PROXIES).toEqual([]);
  });

  it("refuses equal realm secrets", () => {
    const same = "x".repeat(40);
    expect(() => loadConfig({ SAAS_TENANT_JWT_SECRET: same, SAAS_SUPERADMIN_JWT_SECRET: same })).toThrow(ConfigError);
  });

  it("requires secrets and a database in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/SAAS_TENANT_JWT_SECRET.*required/s);
  });

  it("parses the trusted proxy list", () => {
    expect(loadConfig({ TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8" }).TRUSTED_PROXIES).toEqual([
      "127.0.0.1",
      "10.0.0.0/8",
    ]);
  });
});
