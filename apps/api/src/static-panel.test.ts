import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFreshPanelBuild } from "../../../tests/browser/harness.ts";
import {
  BASE,
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../tests/harness.ts";
import { PANEL_DIST } from "./static-panel.ts";

let stack: Stack;
let tenant: TestTenant;
beforeAll(async () => {
  ensureFreshPanelBuild();
  stack = await startStack();
  tenant = await signupTenant(stack);
});
afterAll(() => stack.close());

const asset = () => readdirSync(path.join(PANEL_DIST, "assets")).find((f) => f.endsWith(".js")) ?? "";

describe("the API serves the built panel", () => {
  it("answers client routes on a tenant host and the apex with index.html, never cached", async () => {
    for (const host of [tenant.host, BASE]) {
      const res = await stack.request("GET", "/subscribers/some/deep/route", { host });
      expect(res.status, host).toBe(200);
      expect(res.headers["content-type"]).toContain("text/html");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
      expect(String(res.body)).toContain('<div id="root"></div>');
    }
  });

  it("serves hashed assets with a year-long immutable cache", async () => {
    const res = await stack.request("GET", `/assets/${asset()}`, { host: tenant.host });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toContain("javascript");
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("does not turn a missing asset, an unknown host or a path escape into the app", async () => {
    const missing = await stack.request("GET", "/assets/nope-123.js", { host: tenant.host });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const unknown = await stack.request("GET", "/", { host: `no-such-tenant.${BASE}` });
    expect(unknown.status).toBe(404);
    const escaped = await stack.request("GET", "/assets/..%2f..%2f..%2fpackage.json", { host: tenant.host });
    expect(escaped.status).toBe(404);
    expect(JSON.stringify(escaped.body)).not.toContain("workspaces");
  });

  it("leaves /api alone: an unknown API path is still the JSON 404", async () => {
    const res = await stack.request("GET", "/api/definitely-not-a-route", { host: tenant.host });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("GET /api/site", () => {
  it("tells the panel whether the host is the apex or which tenant", async () => {
    const apex = await stack.request("GET", "/api/site", { host: BASE });
    expect(apex.body).toEqual({ kind: "apex" });
    const t = await stack.request("GET", "/api/site", { host: tenant.host });
    expect(t.body).toEqual({ kind: "tenant", slug: tenant.slug });
  });

  it("gives a suspended tenant's host the tenant_suspended error the panel turns into its page", async () => {
    const other = await signupTenant(stack);
    const op = await superAdminSession(stack);
    const suspended = await stack.request("POST", `/api/saas/tenants/${other.id}/suspend`, { token: op.token });
    expect(suspended.status).toBe(200);
    const res = await stack.request("GET", "/api/site", { host: other.host });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("tenant_suspended");
  });

  it("answers the plan features only to a signed-in user of that tenant", async () => {
    const anonymous = await stack.request("GET", "/api/site/plan", { host: tenant.host });
    expect(anonymous.status).toBe(401);
    const res = await stack.request("GET", "/api/site/plan", { host: tenant.host, token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe("starter");
    expect(typeof res.body.hourlyBackups).toBe("boolean");
    const onApex = await stack.request("GET", "/api/site/plan", { host: BASE, token: tenant.token });
    expect(onApex.status).toBe(404);
  });
});
