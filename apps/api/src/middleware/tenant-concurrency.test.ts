import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { tenantConcurrency } from "./tenant-concurrency.ts";

// The gate alone, on an app whose handlers run until the test lets them finish: which requests
// are inside at any moment is then exact, whatever the machine's speed.
function gatedApp(limit: number) {
  const running = new Map<string, (() => void)[]>();
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("site", { kind: "tenant", tenant: { id: c.req.header("x-tenant") ?? "" } } as AppEnv["Variables"]["site"]);
    await next();
  });
  app.use(
    tenantConcurrency({ config: { TENANT_CONCURRENCY: limit, TENANT_QUEUE_TIMEOUT_MS: 60_000 } } as unknown as AppDeps),
  );
  app.get("/", async (c) => {
    const id = c.req.header("x-tenant") ?? "";
    await new Promise<void>((done) => {
      running.set(id, [...(running.get(id) ?? []), done]);
    });
    return c.text("ok");
  });
  const inside = (id: string) => running.get(id)?.length ?? 0;
  /** Lets `n` of the tenant's running requests finish. */
  const finish = (id: string, n: number) => {
    const list = running.get(id) ?? [];
    for (const done of list.splice(0, n)) done();
  };
  const send = (id: string) => app.request("/", { headers: { "x-tenant": id } });
  return { inside, finish, send };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("per-tenant concurrency gate", () => {
  it("admits a tenant's backlog only up to its share while another tenant is in flight, then up to the ceiling", async () => {
    const gate = gatedApp(4);
    const a = Array.from({ length: 8 }, () => gate.send("a"));
    await expect.poll(() => gate.inside("a"), { timeout: 10_000 }).toBe(4);

    // B is admitted at once, A's backlog notwithstanding.
    const b = gate.send("b");
    await expect.poll(() => gate.inside("b"), { timeout: 10_000 }).toBe(1);

    // Three of A's finish while B is inside: A refills only to its share, 4 / 2 tenants.
    gate.finish("a", 3);
    await Promise.all(a.slice(0, 3));
    await expect.poll(() => gate.inside("a"), { timeout: 10_000 }).toBe(2);
    await settle();
    expect(gate.inside("a")).toBe(2);

    // B done: A alone again, back to the full ceiling.
    gate.finish("b", 1);
    expect((await b).status).toBe(200);
    await expect.poll(() => gate.inside("a"), { timeout: 10_000 }).toBe(4);

    gate.finish("a", 4);
    await expect.poll(() => gate.inside("a"), { timeout: 10_000 }).toBe(1);
    gate.finish("a", 1);
    expect((await Promise.all(a)).map((r) => r.status)).toEqual(Array(8).fill(200));
  });

  it("keeps a tenant alone at its full ceiling and queues the rest in order", async () => {
    const gate = gatedApp(2);
    const a = Array.from({ length: 3 }, () => gate.send("a"));
    await expect.poll(() => gate.inside("a"), { timeout: 10_000 }).toBe(2);
    await settle();
    expect(gate.inside("a")).toBe(2);
    gate.finish("a", 1);
    await expect.poll(() => gate.inside("a"), { timeout: 10_000 }).toBe(2);
    gate.finish("a", 2);
    expect((await Promise.all(a)).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
