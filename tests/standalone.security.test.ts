import { tenants } from "@proxpanel/db";
import { count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STANDALONE_DEFAULT_PASSWORD, startStandalone } from "../apps/api/src/standalone.ts";
import { expectError } from "./expect-error.ts";
import { BASE, type Stack, startStack, uniqueSlug } from "./harness.ts";

// A real standalone stack: PROXPANEL_MODE=standalone and the same start-up as `npm start`.
let stack: Stack;
let slug: string;
const email = "owner@standalone.example";

const HOSTS = [
  BASE, // what is the console's apex in SaaS mode
  "www.proxpanel.test",
  "someone-else.proxpanel.test",
  "panel.customer-isp.example",
  "10.1.2.3",
  "localhost:8080",
  "[::1]:8080",
];

beforeAll(async () => {
  slug = uniqueSlug("sa");
  stack = await startStack({
    PROXPANEL_MODE: "standalone",
    STANDALONE_TENANT_SLUG: slug,
    STANDALONE_ADMIN_EMAIL: email,
  });
  const started = await startStandalone(stack.runtime.deps);
  expect(started).toEqual({ slug, created: true, password: STANDALONE_DEFAULT_PASSWORD });
});
afterAll(async () => {
  await stack?.close();
});

// Other test files share this database and create tenants concurrently: count only the names
// this file could have created.
async function tenantCount(slugs: string[]): Promise<number> {
  if (slugs.length === 0) return 0;
  const [row] = await stack.runtime.deps.db.select({ n: count() }).from(tenants).where(inArray(tenants.slug, slugs));
  return Number(row?.n ?? 0);
}

describe("standalone mode", () => {
  it("hides signup and the whole console on every host with the same bare 404 as an unknown path", async () => {
    const attempted: string[] = [];
    for (const host of HOSTS) {
      const unknown = await stack.request("GET", "/api/no-such-path", { host });
      expectError(unknown, 404, "not_found");
      const attempts = [
        await stack.request("POST", "/api/signup", {
          host,
          body: {
            slug: attempted[attempted.push(uniqueSlug("x")) - 1],
            companyName: "Intruder",
            plan: "starter",
            adminEmail: "x@x.example",
            adminPassword: "a-long-password-1",
          },
        }),
        await stack.request("POST", "/api/saas/auth/login", {
          host,
          body: { email: "admin@proxpanel.local", password: "superadmin-password-1" },
        }),
        await stack.request("GET", "/api/saas/tenants", { host }),
        await stack.request("GET", "/api/saas/backups/health", { host }),
        await stack.request("GET", "/api/saas", { host }),
      ];
      for (const res of attempts) {
        expectError(res, 404, "not_found");
        expect(res.body.error.message).toBe(unknown.body.error.message);
      }
    }
    expect(await tenantCount(attempted)).toBe(0);
  });

  it("binds every host to the one tenant: sign in on one host, use the token on any other", async () => {
    const login = await stack.request("POST", "/api/auth/login", {
      host: "panel.customer-isp.example",
      body: { email, password: STANDALONE_DEFAULT_PASSWORD },
    });
    expect(login.status).toBe(200);
    for (const host of HOSTS) {
      const branding = await stack.request("GET", "/api/branding", { host });
      expect(branding.status).toBe(200);
      const me = await stack.request("GET", "/api/users", { host, token: login.body.token });
      expect(me.status).toBe(200);
      expect(me.body.items.map((u: { email: string }) => u.email)).toContain(email);
    }
  });

  it("keeps the TLS certificate gate to the install's own names (any host is served, not certified)", async () => {
    const { resolver } = stack.runtime.deps;
    for (const name of [BASE, `${slug}.${BASE}`]) {
      expect((await resolver.resolveCertificateName(name)).kind).toBe("tenant");
    }
    for (const name of ["someone-else.proxpanel.test", "panel.customer-isp.example", "10.1.2.3", ""]) {
      expect((await resolver.resolveCertificateName(name)).kind).toBe("unknown");
    }
  });

  it("a second start finds the tenant and creates nothing", async () => {
    const same = () => stack.runtime.deps.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, slug));
    const before = await same();
    expect(before).toHaveLength(1);
    expect(await startStandalone(stack.runtime.deps)).toEqual({ slug, created: false });
    expect(await same()).toEqual(before);
  });
});
