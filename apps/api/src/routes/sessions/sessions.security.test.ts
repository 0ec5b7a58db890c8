import { hashPassword } from "@proxpanel/auth";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant, uniqueSlug } from "../../../../../tests/harness.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { tenantUsage } from "./sessions.ts";
import { disconnectOpenSession } from "./sessions-disconnect.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let sessionOfA: number;

async function bound(t: TestTenant) {
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id));
  return stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
}

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack, uniqueSlug("sesa"));
  b = await signupTenant(stack, uniqueSlug("sesb"));
  // A's NAS points at a port nobody listens on: any request that wrongly reached it would time out,
  // not pass, so a 404 here can only come from the lookup. Suites running alongside also route
  // 127.0.0.1, so each tenant's route carries its own NAS-Identifier.
  const nas = await stack.request("POST", "/api/nas", {
    host: a.host,
    token: a.token,
    body: { name: "A edge", ipAddress: "127.0.0.1", identifier: a.slug, coaPort: 9 },
  });
  if (nas.status !== 201) throw new Error(`nas: ${nas.status} ${JSON.stringify(nas.body)}`);
  const { db, t } = await bound(a);
  const [sub] = await db.insert(t.subscribers).values({ username: "a-user", passwordEnc: "x" }).returning();
  if (!sub) throw new Error("subscriber not inserted");
  // The session's traffic as the RADIUS daemon rolls it up (what the usage chart sums).
  const now = Date.now();
  const traffic = { subscriberId: sub.id, nasId: nas.body.nas.id, bytesIn: 7_000, bytesOut: 9_000 };
  await db.insert(t.traffic5m).values({ ...traffic, bucket: new Date(now - (now % 300_000)) });
  await db.insert(t.traffic1h).values({ ...traffic, bucket: new Date(now - (now % 3_600_000)) });
  const [row] = await db
    .insert(t.radacct)
    .values({
      acctSessionId: "a-session",
      acctUniqueId: `${a.slug}-a-session`,
      username: "a-user",
      subscriberId: sub.id,
      nasId: nas.body.nas.id,
      nasIpAddress: "127.0.0.1",
      startTime: new Date(),
      inputOctets: 7_000,
      outputOctets: 9_000,
    })
    .returning({ id: t.radacct.id });
  if (!row) throw new Error("session not inserted");
  sessionOfA = row.id;
});
afterAll(() => stack.close());

describe("sessions across tenants and permissions", () => {
  it("tenant B cannot disconnect tenant A's session by its id: 404, and A's audit log stays empty", async () => {
    const res = await stack.request("POST", `/api/sessions/${sessionOfA}/disconnect`, { host: b.host, token: b.token });
    expectError(res, 404, "not_found");
    // A's token presented on B's host is refused before any lookup.
    const crossed = await stack.request("POST", `/api/sessions/${sessionOfA}/disconnect`, {
      host: b.host,
      token: a.token,
    });
    expect(crossed.status).toBe(401);
    const { db, t } = await bound(a);
    expect(await db.select().from(t.auditLogs).where(eq(t.auditLogs.action, "session.disconnect"))).toEqual([]);
  });

  it("tenant B's usage does not include tenant A's traffic", async () => {
    const res = await stack.request("GET", "/api/sessions/usage?days=2", { host: b.host, token: b.token });
    expect(res.status).toBe(200);
    expect(res.body.usage).toHaveLength(2);
    expect(res.body.usage.map((d: { sessions: number; inputOctets: number }) => [d.sessions, d.inputOctets])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const own = await stack.request("GET", "/api/sessions/usage?days=2", { host: a.host, token: a.token });
    expect(own.body.usage.at(-1)).toMatchObject({ sessions: 1, inputOctets: 7_000, outputOctets: 9_000 });
  });

  it("a user who may view sessions but not disconnect them gets 403 and nothing is sent", async () => {
    const { db, t } = await bound(a);
    const [group] = await db
      .insert(t.permissionGroups)
      .values({ name: "Viewers", permissions: ["sessions.view"] })
      .returning();
    await db.insert(t.users).values({
      email: "viewer@sessions.example",
      passwordHash: await hashPassword("viewer-password-1"),
      permissionGroupId: group?.id ?? null,
    });
    const login = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: "viewer@sessions.example", password: "viewer-password-1" },
    });
    const token: string = login.body.token;
    expect((await stack.request("GET", "/api/sessions", { host: a.host, token })).status).toBe(200);
    expect((await stack.request("GET", "/api/sessions/usage", { host: a.host, token })).status).toBe(200);
    expectError(
      await stack.request("POST", `/api/sessions/${sessionOfA}/disconnect`, { host: a.host, token }),
      403,
      "forbidden",
    );
    expect(await db.select().from(t.auditLogs).where(eq(t.auditLogs.action, "session.disconnect"))).toEqual([]);
  });

  it("a reseller cannot disconnect, nor count, a session of a subscriber that is not theirs", async () => {
    const tenant = { ...(await bound(a)), id: a.id, slug: a.slug };
    const ctx: ServiceCtx = {
      tenant,
      db: tenant.db,
      actor: {
        userId: null,
        resellerId: "00000000-0000-4000-8000-000000000001",
        permissions: ["sessions.view", "sessions.disconnect"],
        label: "reseller",
        ip: null,
        requestId: null,
      },
    };
    const key = await stack.runtime.deps.keys.forTenant(a.id);
    await expect(disconnectOpenSession({ key }, { ctx, input: { id: sessionOfA } })).rejects.toMatchObject({
      status: 404,
    });
    const usage = await tenantUsage({ ctx, input: { days: 1 } });
    expect(usage.usage.map((d) => [d.sessions, d.inputOctets, d.outputOctets])).toEqual([[0, 0, 0]]);
    const owner = await tenantUsage({ ctx: { ...ctx, actor: { ...ctx.actor, resellerId: null } }, input: { days: 1 } });
    expect(owner.usage.map((d) => [d.sessions, d.inputOctets, d.outputOctets])).toEqual([[1, 7_000, 9_000]]);
  });
});
