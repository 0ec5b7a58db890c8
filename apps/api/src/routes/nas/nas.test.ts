import { nasRoutes } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { NAS_CHANNEL } from "./nas.ts";

// Addresses from TEST-NET-1 belong to this file alone: nas_routes is cluster-wide.
let stack: Stack;
let a: TestTenant;
const events: { tenantId: string; nasId: string; op: string }[] = [];
let unsubscribe: () => Promise<void>;

const api = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, ...(body === undefined ? {} : { body }) });

const route = async (nasId: string) =>
  (await stack.runtime.deps.db.select().from(nasRoutes).where(eq(nasRoutes.nasId, nasId)))[0];

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  unsubscribe = await stack.runtime.deps.state.subscribe(NAS_CHANNEL, (m) => events.push(JSON.parse(m)));
});
afterAll(async () => {
  await unsubscribe();
  await stack.close();
});

describe("NAS devices", () => {
  it("creates a NAS, shows the generated secret once, routes it and tells the RADIUS daemon", async () => {
    const res = await api("POST", "/api/nas", { name: "Core router", ipAddress: "192.0.2.10" });
    expect(res.status).toBe(201);
    const { nas, secret } = res.body;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(nas).toMatchObject({
      name: "Core router",
      ipAddress: "192.0.2.10",
      identifier: null,
      type: "mikrotik",
      coaPort: 3799,
      requireMessageAuthenticator: true,
    });
    expect(nas).not.toHaveProperty("secretEnc");
    expect(await route(nas.id)).toMatchObject({ tenantId: a.id, ipAddress: "192.0.2.10", identifier: null });
    await vi.waitFor(() => expect(events).toContainEqual({ tenantId: a.id, nasId: nas.id, op: "create" }));

    const got = await api("GET", `/api/nas/${nas.id}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain(secret);
    const revealed = await api("POST", `/api/nas/${nas.id}/reveal-secret`);
    expect(revealed.body).toEqual({ secret });
  });

  it("accepts a given secret, rotates it and reveals only the current one", async () => {
    const res = await api("POST", "/api/nas", {
      name: "Tower 2",
      ipAddress: "192.0.2.11",
      identifier: "tower-2",
      secret: "s3cret-given!",
      type: "generic",
      coaPort: 1700,
      requireMessageAuthenticator: false,
    });
    expect(res.status).toBe(201);
    expect(res.body.secret).toBe("s3cret-given!");
    const id = res.body.nas.id;
    const rotated = await api("POST", `/api/nas/${id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe("s3cret-given!");
    expect((await api("POST", `/api/nas/${id}/reveal-secret`)).body.secret).toBe(rotated.body.secret);
    const chosen = await api("POST", `/api/nas/${id}/rotate-secret`, { secret: "another-secret-1" });
    expect(chosen.body.secret).toBe("another-secret-1");
    expect((await api("POST", `/api/nas/${id}/reveal-secret`)).body.secret).toBe("another-secret-1");
  });

  it("updates fields and moves the route with the address; deletes both", async () => {
    const { body } = await api("POST", "/api/nas", { name: "Mover", ipAddress: "192.0.2.20" });
    const id = body.nas.id;
    const res = await api("PATCH", `/api/nas/${id}`, { ipAddress: "192.0.2.21", identifier: "mover", coaPort: 3800 });
    expect(res.status).toBe(200);
    expect(res.body.nas).toMatchObject({ ipAddress: "192.0.2.21", identifier: "mover", coaPort: 3800, name: "Mover" });
    expect(await route(id)).toMatchObject({ ipAddress: "192.0.2.21", identifier: "mover" });
    await vi.waitFor(() => expect(events).toContainEqual({ tenantId: a.id, nasId: id, op: "update" }));

    expect((await api("DELETE", `/api/nas/${id}`)).status).toBe(204);
    expect(await route(id)).toBeUndefined();
    expectError(await api("GET", `/api/nas/${id}`), 404, "not_found");
    await vi.waitFor(() => expect(events).toContainEqual({ tenantId: a.id, nasId: id, op: "delete" }));
  });

  it("lists with search, type filter, sort and pages, never with secrets", async () => {
    for (const [i, name] of ["Alpha", "Bravo", "Charlie"].entries()) {
      const res = await api("POST", "/api/nas", {
        name: `List ${name}`,
        ipAddress: `192.0.2.${30 + i}`,
        type: "generic",
      });
      expect(res.status).toBe(201);
    }
    const page1 = await api("GET", "/api/nas?search=list&sort=name&order=desc&limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.total).toBe(3);
    expect(page1.body.items.map((n: { name: string }) => n.name)).toEqual(["List Charlie", "List Bravo"]);
    const page2 = await api("GET", "/api/nas?search=list&sort=name&order=desc&limit=2&page=2");
    expect(page2.body.items.map((n: { name: string }) => n.name)).toEqual(["List Alpha"]);
    const byIp = await api("GET", "/api/nas?search=192.0.2.3");
    expect(byIp.body.items.map((n: { name: string }) => n.name).sort()).toEqual([
      "List Alpha",
      "List Bravo",
      "List Charlie",
    ]);
    const generic = await api("GET", "/api/nas?type=generic&limit=100");
    expect(generic.body.items.every((n: { type: string }) => n.type === "generic")).toBe(true);
    const all = await api("GET", "/api/nas?limit=100");
    for (const item of all.body.items) expect(item).not.toHaveProperty("secretEnc");
    expect(JSON.stringify(all.body)).not.toMatch(/secret/i);
  });

  it("refuses bad input and duplicate names with the error shape and changes nothing", async () => {
    const before = (await api("GET", "/api/nas?limit=100")).body.total;
    const bad = await api("POST", "/api/nas", { name: "", ipAddress: "999.1.1.1", coaPort: 70000 });
    expectError(bad, 400, "validation_error");
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "coaPort",
      "ipAddress",
      "name",
    ]);
    expectError(
      await api("POST", "/api/nas", { name: "X", ipAddress: "192.0.2.99", secret: "short" }),
      400,
      "validation_error",
    );
    expectError(
      await api("POST", "/api/nas", { name: "X", ipAddress: "192.0.2.99", extra: 1 }),
      400,
      "validation_error",
    );
    const dup = await api("POST", "/api/nas", { name: "core ROUTER", ipAddress: "192.0.2.98" });
    expectError(dup, 409, "conflict");
    expect(dup.body.error.message).toMatch(/name/);
    expect((await api("GET", "/api/nas?limit=100")).body.total).toBe(before);
    const rows = await stack.runtime.deps.db.select().from(nasRoutes).where(eq(nasRoutes.ipAddress, "192.0.2.98"));
    expect(rows).toEqual([]);
    expectError(await api("PATCH", "/api/nas/00000000-0000-4000-8000-000000000000", { name: "Y" }), 404, "not_found");
    expectError(await api("PATCH", "/api/nas/not-a-uuid", { name: "Y" }), 400, "validation_error");
  });

  it("requires authentication", async () => {
    expectError(await stack.request("GET", "/api/nas", { host: a.host }), 401, "unauthorized");
  });
});
