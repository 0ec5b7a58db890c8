import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASE,
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let operator: Awaited<ReturnType<typeof superAdminSession>>;

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  operator = await superAdminSession(stack);
});
afterAll(() => stack.close());

const notFoundBody = (body: { error: { code: string; message: string } }) => {
  expect(body.error.code).toBe("not_found");
  expect(body.error.message).toBe("Not found");
};

describe("tenant isolation at the HTTP edge", () => {
  it("refuses tenant A's token on tenant B's host even though the signature is valid", async () => {
    const res = await stack.request("GET", "/api/users", { host: b.host, token: a.token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    const own = await stack.request("GET", "/api/users", { host: a.host, token: a.token });
    expect(own.status).toBe(200);
    expect(own.body.items.map((u: { email: string }) => u.email)).toEqual([a.email]);
  });

  it("never lists another tenant's users, whatever the search", async () => {
    const res = await stack.request("GET", `/api/users?search=${encodeURIComponent(b.email)}`, {
      host: a.host,
      token: a.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it("refuses a super-admin token on tenant routes and a tenant token on console routes", async () => {
    expect((await stack.request("GET", "/api/users", { host: a.host, token: operator.token })).status).toBe(401);
    expect((await stack.request("GET", "/api/saas/tenants", { token: a.token })).status).toBe(401);
    expect((await stack.request("GET", "/api/saas/tenants", { token: operator.token })).status).toBe(200);
  });

  it("serves console paths only on the apex and tenant paths only on tenant hosts", async () => {
    notFoundBody((await stack.request("GET", "/api/saas/tenants", { host: a.host, token: operator.token })).body);
    notFoundBody((await stack.request("GET", "/api/users", { token: a.token })).body);
    notFoundBody((await stack.request("GET", "/api/branding")).body);
  });

  it.each([
    `nobody.${BASE}`,
    `deep.${a?.slug ?? "x"}.${BASE}`,
    "evil.example.com",
    `x'--.${BASE}`,
    `a%27or%271%27=%271.${BASE}`,
    `${"a".repeat(70)}.${BASE}`,
    "127.0.0.1",
    "",
  ])("answers an unknown host %j with a 404 that reveals nothing", async (host) => {
    const res = await stack.request("GET", "/api/branding", { host });
    expect([400, 404]).toContain(res.status);
    if (res.status === 404) notFoundBody(res.body);
    expect(JSON.stringify(res.body)).not.toMatch(/tenant_|schema|postgres|select/i);
  });

  it("ignores X-Forwarded-Host from a peer that is not a trusted proxy", async () => {
    // Connecting to the apex and claiming tenant A's host must not reach tenant A.
    const res = await stack.request("GET", "/api/branding", { headers: { "x-forwarded-host": a.host } });
    expect(res.status).toBe(404);
    const forged = await stack.request("GET", "/api/users", {
      host: b.host,
      token: a.token,
      headers: { "x-forwarded-host": a.host },
    });
    expect(forged.status).toBe(401);
  });

  it("honours X-Forwarded-Host and X-Forwarded-For from a configured proxy", async () => {
    const proxied = await startStack({ TRUSTED_PROXIES: "127.0.0.1,::ffff:127.0.0.1" });
    try {
      const res = await proxied.request("GET", "/api/branding", {
        host: "internal-upstream",
        headers: { "x-forwarded-host": a.host, "x-forwarded-for": "203.0.113.9" },
      });
      expect(res.status).toBe(200);
      expect(res.body.slug).toBe(a.slug);
    } finally {
      await proxied.close();
    }
  });

  it("with TRUSTED_PROXY_SECRET, believes forwarded headers only from the edge that carries it", async () => {
    const proxied = await startStack({ TRUSTED_PROXIES: "loopback", TRUSTED_PROXY_SECRET: "edge-secret-0123456789" });
    try {
      // Another local process on a trusted address, without the edge's secret: the Host counts.
      for (const edge of [undefined, "wrong"]) {
        const res = await proxied.request("GET", "/api/branding", {
          host: "localhost",
          headers: { "x-forwarded-host": a.host, ...(edge ? { "x-proxpanel-edge": edge } : {}) },
        });
        expect(res.status, String(edge)).toBe(404);
      }
      const viaEdge = await proxied.request("GET", "/api/branding", {
        host: "internal-upstream",
        headers: { "x-forwarded-host": a.host, "x-proxpanel-edge": "edge-secret-0123456789" },
      });
      expect(viaEdge.status).toBe(200);
      expect(viaEdge.body.slug).toBe(a.slug);
    } finally {
      await proxied.close();
    }
  });

  it("refuses tampered and expired tokens with the stable error body", async () => {
    const [h, p, s] = a.token.split(".");
    const payload = JSON.parse(Buffer.from(p ?? "", "base64url").toString());
    payload.tenant_id = b.id;
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
    const res = await stack.request("GET", "/api/users", { host: b.host, token: tampered });
    expect(res.status).toBe(401);
    expect(Object.keys(res.body.error).sort()).toEqual(["code", "message", "requestId"]);
    expect(res.headers["x-request-id"]).toBe(res.body.error.requestId);
    expect((await stack.request("GET", "/api/users", { host: a.host, token: "garbage" })).status).toBe(401);
    expect((await stack.request("GET", "/api/users", { host: a.host })).status).toBe(401);
  });

  it("logs a user out everywhere with one call", async () => {
    const t = await signupTenant(stack);
    const second = await stack.request("POST", "/api/auth/login", {
      host: t.host,
      body: { email: t.email, password: t.password },
    });
    expect((await stack.request("POST", "/api/auth/logout-all", { host: t.host, token: t.token })).status).toBe(204);
    for (const token of [t.token, second.body.token]) {
      expect((await stack.request("GET", "/api/auth/me", { host: t.host, token })).status).toBe(401);
    }
    const again = await stack.request("POST", "/api/auth/login", {
      host: t.host,
      body: { email: t.email, password: t.password },
    });
    expect((await stack.request("GET", "/api/auth/me", { host: t.host, token: again.body.token })).status).toBe(200);
  });
});

describe("tenant status and renames", () => {
  it("answers 403 for suspended, 409 naming the new home for migrated, 404 for deleted", async () => {
    const t = await signupTenant(stack);
    const api = (path: string) => stack.request("POST", `/api/saas/tenants/${t.id}${path}`, { token: operator.token });

    expect((await api("/suspend")).status).toBe(200);
    const suspended = await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token });
    expect(suspended.status).toBe(403);
    expect(suspended.body.error.code).toBe("tenant_suspended");

    const moved = await stack.request("POST", `/api/saas/tenants/${t.id}/migrated`, {
      token: operator.token,
      body: { location: "https://new-cluster.example.net" },
    });
    expect(moved.status).toBe(200);
    const migrated = await stack.request("GET", "/api/branding", { host: t.host });
    expect(migrated.status).toBe(409);
    expect(migrated.body.error.details.location).toBe("https://new-cluster.example.net");

    expect((await api("/resume")).status).toBe(200);
    expect((await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token })).status).toBe(200);

    expect((await stack.request("DELETE", `/api/saas/tenants/${t.id}`, { token: operator.token })).status).toBe(200);
    notFoundBody((await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token })).body);
  });

  it("renames a slug: the old host 404s, the new one works, existing tokens keep working", async () => {
    const t = await signupTenant(stack);
    const newSlug = `${t.slug}-new`.slice(0, 40);
    const res = await stack.request("PATCH", `/api/saas/tenants/${t.id}`, {
      token: operator.token,
      body: { slug: newSlug },
    });
    expect(res.status).toBe(200);
    expect(res.body.tenant).toMatchObject({ id: t.id, slug: newSlug });
    notFoundBody((await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token })).body);
    const me = await stack.request("GET", "/api/auth/me", { host: `${newSlug}.${BASE}`, token: t.token });
    expect(me.status).toBe(200);
    expect(me.body.tenant).toEqual({ id: t.id, slug: newSlug });
  });

  it("refuses renaming onto a taken or reserved slug and changes nothing", async () => {
    const t = await signupTenant(stack);
    const taken = await stack.request("PATCH", `/api/saas/tenants/${t.id}`, {
      token: operator.token,
      body: { slug: a.slug, plan: "pro" },
    });
    expect(taken.status).toBe(409);
    const reserved = await stack.request("PATCH", `/api/saas/tenants/${t.id}`, {
      token: operator.token,
      body: { slug: "www" },
    });
    expect(reserved.status).toBe(400);
    const after = await stack.request("GET", `/api/saas/tenants/${t.id}`, { token: operator.token });
    expect(after.body.tenant).toMatchObject({ slug: t.slug, plan: "starter" });
  });

  it("lets a new tenant take a renamed tenant's old slug without touching the old schema", async () => {
    const t = await signupTenant(stack);
    const renamed = `${t.slug}-r`.slice(0, 40);
    await stack.request("PATCH", `/api/saas/tenants/${t.id}`, { token: operator.token, body: { slug: renamed } });
    const fresh = await signupTenant(stack, t.slug);
    expect(fresh.id).not.toBe(t.id);
    const users = await stack.request("GET", "/api/users", { host: fresh.host, token: fresh.token });
    expect(users.body.items.map((u: { email: string }) => u.email)).toEqual([fresh.email]);
    const old = await stack.request("GET", "/api/users", { host: `${renamed}.${BASE}`, token: t.token });
    expect(old.body.items.map((u: { email: string }) => u.email)).toEqual([t.email]);
  });
});

/** Bytes on the wire, so a request can carry what an HTTP client library would never send. */
function rawRequest(port: number, head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`${head}\r\nConnection: close\r\n\r\n`));
    let text = "";
    socket.setEncoding("utf8").on("data", (d: string) => {
      text += d;
    });
    socket.on("error", reject);
    socket.on("end", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const head = text.slice(0, text.indexOf("\r\n\r\n"));
      let body = text.slice(head.length + 4);
      if (/transfer-encoding: chunked/i.test(head))
        body = body.replace(/^[0-9a-f]+\r\n|\r\n[0-9a-f]+\r\n|\r\n0\r\n\r\n$/gi, "");
      resolve({ status, body });
    });
  });
}

describe("the Host header", () => {
  it("is read case-insensitively and with a trailing dot, before any framework check", async () => {
    for (const host of [
      a.host.toUpperCase(),
      `${a.host.toUpperCase()}:8080`,
      `${a.host}.`,
      `${a.host[0]?.toUpperCase()}${a.host.slice(1)}`,
    ]) {
      const res = await stack.request("GET", "/api/branding", { host });
      expect(res.status, host).toBe(200);
      expect(res.body.slug, host).toBe(a.slug);
    }
  });

  it("answers a malformed or repeated Host with 400 bad_host and the standard body", async () => {
    for (const host of ["a@b", "a b", `${a.host},${b.host}`, "x..y", "-x.test", "[zz]"]) {
      const res = await rawRequest(stack.port, `GET /api/branding HTTP/1.1\r\nHost: ${host}`);
      expect(res.status, host).toBe(400);
      const body = JSON.parse(res.body);
      expect(body.error.code, host).toBe("bad_host");
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "requestId"]);
    }
    const twice = await rawRequest(stack.port, `GET /api/branding HTTP/1.1\r\nHost: ${a.host}\r\nHost: ${b.host}`);
    expect(twice.status).toBe(400);
    expect(JSON.parse(twice.body).error).toMatchObject({ code: "bad_host", message: "More than one Host header." });
  });

  it("takes the host of an absolute-form target over the Host header (RFC 9112 §3.2.2)", async () => {
    const res = await rawRequest(stack.port, `GET http://${a.host}/api/branding HTTP/1.1\r\nHost: ${b.host}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).slug).toBe(a.slug);
    const creds = await rawRequest(stack.port, `GET http://u:p@${a.host}/api/branding HTTP/1.1\r\nHost: ${a.host}`);
    expect(creds.status).toBe(400);
  });
});
