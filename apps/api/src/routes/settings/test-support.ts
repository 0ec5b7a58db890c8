// Helpers shared by the settings and notifications tests (not loaded by the API itself).
import http from "node:http";
import { hashPassword } from "@proxpanel/auth";
import { type BoundTenantClient, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import type { Response, Stack, TestTenant } from "../../../../../tests/harness.ts";
import type { ServiceCtx } from "../../services/context.ts";

export interface UploadOptions {
  host: string;
  token?: string | undefined;
  /** Field name; the API reads "file". */
  field?: string;
  filename?: string;
  /** What the client claims; the API ignores it and looks at the bytes. */
  type?: string;
}

/** A multipart upload over raw HTTP, so the Host header (the tenant) is ours to choose. */
export async function upload(stack: Stack, path: string, bytes: Uint8Array, opts: UploadOptions): Promise<Response> {
  const form = new FormData();
  form.append(
    opts.field ?? "file",
    new Blob([bytes], { type: opts.type ?? "application/octet-stream" }),
    opts.filename ?? "x.bin",
  );
  const encoded = new Request("http://encoder.invalid/", { method: "POST", body: form });
  const body = Buffer.from(await encoded.arrayBuffer());
  return raw(stack, "POST", path, body, {
    host: opts.host,
    "content-type": encoded.headers.get("content-type") ?? "",
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
  });
}

/** Any body with any headers; the response body is kept as bytes too (assets are binary). */
export function raw(
  stack: Stack,
  method: string,
  path: string,
  body: Buffer | null,
  headers: Record<string, string>,
): Promise<Response & { bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: stack.port,
        method,
        path,
        // A fresh connection each time: a refused upload may leave its socket closing.
        agent: false,
        headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const bytes = Buffer.concat(chunks);
          let parsed: unknown = bytes.toString("utf8");
          try {
            parsed = JSON.parse(bytes.toString("utf8"));
          } catch {
            // not JSON; keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, bytes });
        });
      },
    );
    req.on("error", (e) => {
      console.error("RAWERR", method, path, e);
      reject(e);
    });
    if (body) req.write(body);
    req.end();
  });
}

export async function tenantClient(stack: Stack, tenantId: string): Promise<BoundTenantClient> {
  const { db, tenantClients } = stack.runtime.deps;
  const row = (await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1))[0];
  if (!row) throw new Error("tenant not found");
  return tenantClients.get(row.schemaName);
}

export async function systemCtx(stack: Stack, t: TestTenant): Promise<ServiceCtx> {
  const client = await tenantClient(stack, t.id);
  return {
    tenant: { id: t.id, slug: t.slug, ...client },
    db: client.db,
    actor: { userId: null, resellerId: null, permissions: [], label: "test", ip: null, requestId: null },
  };
}

/** A signed-in staff user holding exactly `permissions`. */
export async function userWith(stack: Stack, t: TestTenant, permissions: string[]): Promise<string> {
  const client = await tenantClient(stack, t.id);
  const tag = `${permissions.join("-") || "none"}-${Math.random().toString(36).slice(2, 8)}`;
  const [group] = await client.db
    .insert(client.t.permissionGroups)
    .values({ name: `g-${tag}`, permissions })
    .returning();
  const email = `staff-${tag}@${t.slug}.example`.replace(/[^a-z0-9@.-]/gi, "");
  const password = "staff-password-123";
  await client.db
    .insert(client.t.users)
    .values({ email, passwordHash: await hashPassword(password), permissionGroupId: group?.id ?? null });
  const login = await stack.request("POST", "/api/auth/login", { host: t.host, body: { email, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body.token as string;
}

export { expectError } from "../../../../../tests/expect-error.ts";
