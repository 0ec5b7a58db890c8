import { createPrivateKey, createPublicKey } from "node:crypto";
import { wireguardAllocations } from "@proxpanel/db";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import {
  BASE,
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
  uniqueSlug,
} from "../../../../../tests/harness.ts";
import { generateWireGuardKeys } from "./wireguard.ts";

// Addresses from TEST-NET-3 belong to this file alone: nas_routes is cluster-wide.
let stack: Stack;
let a: TestTenant;
let b: TestTenant;

const api = (t: TestTenant, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

async function nas(t: TestTenant, name: string, ipAddress: string): Promise<string> {
  const res = await api(t, "POST", "/api/nas", { name, ipAddress });
  expect(res.status).toBe(201);
  return res.body.nas.id;
}

/** The public key WireGuard would derive from a base64 private key. */
function publicKeyOf(privateKey: string): string {
  const d = Buffer.from(privateKey, "base64").toString("base64url");
  const x = createPublicKey(createPrivateKey({ key: { kty: "OKP", crv: "X25519", d, x: "" }, format: "jwk" })).export({
    format: "jwk",
  }).x;
  return Buffer.from(x ?? "", "base64url").toString("base64");
}

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  // Switched on by the super-admin rather than inherited from the plan, so these tests exercise
  // the WireGuard code whatever the plan catalogue says; the plan path has its own test below.
  const operator = await superAdminSession(stack);
  for (const t of [a, b]) {
    const res = await stack.request("PATCH", `/api/saas/tenants/${t.id}`, {
      token: operator.token,
      body: { modules: ["wireguard"] },
    });
    expect(res.status).toBe(200);
  }
});
afterAll(() => stack.close());

describe("WireGuard", () => {
  it("generates raw 32-byte X25519 keys in WireGuard's base64", () => {
    const keys = generateWireGuardKeys();
    expect(Buffer.from(keys.publicKey, "base64")).toHaveLength(32);
    expect(Buffer.from(keys.privateKey, "base64")).toHaveLength(32);
    expect(keys.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("gives two tenants created at the same moment different /24s of the cluster range", async () => {
    const [na, nb] = await Promise.all([nas(a, "WG A", "203.0.113.1"), nas(b, "WG B", "203.0.113.2")]);
    const [pa, pb] = await Promise.all([
      api(a, "POST", "/api/wireguard/peers", { nasId: na }),
      api(b, "POST", "/api/wireguard/peers", { nasId: nb }),
    ]);
    expect([pa.status, pb.status]).toEqual([201, 201]);
    const [oa, ob] = [(await api(a, "GET", "/api/wireguard")).body, (await api(b, "GET", "/api/wireguard")).body];
    expect(oa.subnet).toMatch(/^10\.200\.\d{1,3}\.0\/24$/);
    expect(ob.subnet).toMatch(/^10\.200\.\d{1,3}\.0\/24$/);
    expect(oa.subnet).not.toBe(ob.subnet);
    expect(pa.body.peer.address).toBe(oa.subnet.replace(/0\/24$/, "2"));
    expect(oa.hostAddress).toBe(oa.subnet.replace(/0\/24$/, "1"));
    expect(oa.peers).toEqual([
      expect.objectContaining({ nasId: na, nasName: "WG A", publicKey: pa.body.peer.publicKey }),
    ]);
    const rows = await stack.runtime.deps.db
      .select()
      .from(wireguardAllocations)
      .where(inArray(wireguardAllocations.tenantId, [a.id, b.id]));
    expect(rows.map((r) => r.subnet).sort()).toEqual([oa.subnet, ob.subnet].sort());
    // Asking again keeps the subnet.
    expect((await api(a, "POST", "/api/wireguard/subnet")).body.subnet).toBe(oa.subnet);
  });

  it("renders the host config with every peer and the NAS config with its own key", async () => {
    const n2 = await nas(a, "WG A2", "203.0.113.3");
    const p2 = (await api(a, "POST", "/api/wireguard/peers", { nasId: n2 })).body.peer;
    const overview = (await api(a, "GET", "/api/wireguard")).body;
    expect(overview.peers).toHaveLength(2);
    const port = Number(overview.endpoint.split(":")[1]);

    const host = await api(a, "GET", "/api/wireguard/host.conf");
    expect(host.status).toBe(200);
    expect(host.headers["content-type"]).toMatch(/^text\/plain/);
    expect(host.body).toContain(`Address = ${overview.hostAddress}/24`);
    expect(host.body).toContain(`ListenPort = ${port}`);
    for (const p of overview.peers) {
      expect(host.body).toContain(`PublicKey = ${p.publicKey}\nAllowedIPs = ${p.address}/32`);
    }
    expect(host.body).not.toMatch(/PrivateKey/);

    const conf = await api(a, "GET", `/api/wireguard/peers/${p2.id}/config`);
    expect(conf.status).toBe(200);
    const priv = /PrivateKey = (\S+)/.exec(conf.body)?.[1] ?? "";
    expect(publicKeyOf(priv)).toBe(p2.publicKey);
    expect(conf.body).toContain(`Address = ${p2.address}/24`);
    expect(conf.body).toContain(`Endpoint = wg.${BASE}:${port}`);
    expect(conf.body).toContain(`AllowedIPs = ${overview.hostAddress}/32`);
    // The sealed key in the database is not the key itself.
    expect(JSON.stringify(overview)).not.toContain(priv);
  });

  it("refuses a second peer for a NAS, an unknown NAS, and other tenants' peers; deleting a NAS drops its peer", async () => {
    const n = await nas(a, "WG A3", "203.0.113.4");
    const first = await api(a, "POST", "/api/wireguard/peers", { nasId: n });
    expect(first.status).toBe(201);
    expectError(await api(a, "POST", "/api/wireguard/peers", { nasId: n }), 409, "conflict");
    expectError(await api(b, "POST", "/api/wireguard/peers", { nasId: n }), 400, "validation_error");
    expectError(await api(a, "POST", "/api/wireguard/peers", { nasId: "nope" }), 400, "validation_error");
    expectError(await api(b, "GET", `/api/wireguard/peers/${first.body.peer.id}/config`), 404, "not_found");
    expectError(await api(b, "DELETE", `/api/wireguard/peers/${first.body.peer.id}`), 404, "not_found");
    const peersBefore = (await api(a, "GET", "/api/wireguard")).body.peers;
    expect(peersBefore.map((p: { id: string }) => p.id)).toContain(first.body.peer.id);

    expect((await api(a, "DELETE", `/api/nas/${n}`)).status).toBe(204);
    const after = (await api(a, "GET", "/api/wireguard")).body.peers;
    expect(after).toHaveLength(peersBefore.length - 1);
    expectError(await api(a, "GET", `/api/wireguard/peers/${first.body.peer.id}/config`), 404, "not_found");
  });

  it("deletes a peer and reuses its address", async () => {
    const n = await nas(b, "WG B2", "203.0.113.5");
    const p = (await api(b, "POST", "/api/wireguard/peers", { nasId: n })).body.peer;
    expect((await api(b, "DELETE", `/api/wireguard/peers/${p.id}`)).status).toBe(204);
    const again = (await api(b, "POST", "/api/wireguard/peers", { nasId: n })).body.peer;
    expect(again.address).toBe(p.address);
    expect(again.publicKey).not.toBe(p.publicKey);
  });

  it("switches WireGuard on through the starter plan", async () => {
    const t = await signupTenant(stack);
    const res = await api(t, "GET", "/api/wireguard");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subnet: null, hostAddress: null, endpoint: null, peers: [] });
  });

  it("answers 403 module_disabled on a plan without WireGuard and allocates nothing", async () => {
    const slug = uniqueSlug("trial");
    const email = `owner@${slug}.example`;
    const password = "correct-horse-battery";
    const signup = await stack.request("POST", "/api/signup", {
      body: { slug, companyName: "Trial ISP", plan: "trial", adminEmail: email, adminPassword: password },
    });
    expect(signup.status).toBe(201);
    const host = `${slug}.${BASE}`;
    const token = (await stack.request("POST", "/api/auth/login", { host, body: { email, password } })).body.token;
    const trial: TestTenant = { id: signup.body.tenant.id, slug, host, token, email, password };
    const n = await nas(trial, "Trial NAS", "203.0.113.6");
    for (const [method, path, body] of [
      ["GET", "/api/wireguard", undefined],
      ["GET", "/api/wireguard/host.conf", undefined],
      ["POST", "/api/wireguard/subnet", undefined],
      ["POST", "/api/wireguard/peers", { nasId: n }],
    ] as const) {
      const res = await api(trial, method, path, body);
      expectError(res, 403, "module_disabled");
      expect(res.body.error.message).toMatch(/wireguard/);
    }
    const rows = await stack.runtime.deps.db
      .select()
      .from(wireguardAllocations)
      .where(inArray(wireguardAllocations.tenantId, [trial.id]));
    expect(rows).toEqual([]);
  });
});
