// Runs only in the citus project: a tenant is moved to the other worker and back through the console
// API while its API writes and its RADIUS accounting (a real daemon, radclient as the NAS) keep
// running. The local cluster runs wal_level = logical, so the move copies by logical replication
// (`auto`): writes go on during the copy and wait only for the final switch; none may fail and none
// may be lost: every acknowledged write is counted and found afterwards.
import { superAdminAudit, tenants } from "@proxpanel/db";
import { requireRadclient } from "@proxpanel/radius/testing/radclient";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendStarts } from "../accounting-nas.ts";
import { type Stack, signupTenant, startStack, superAdminSession, type TestTenant, uniqueSlug } from "../harness.ts";
import { type AppProcess, appEnv, spawnApp } from "../processes.ts";

let stack: Stack;
let tenant: TestTenant;
let op: Awaited<ReturnType<typeof superAdminSession>>;
let planId: string;
let radius: AppProcess;
let acctPort: number;
const identifier = uniqueSlug("move-nas");
const secret = "move-nas-secret";

beforeAll(async () => {
  requireRadclient();
  // The writers run unpaced for the whole of two moves: with logical moves their requests keep being
  // answered, so they pass a minute's budget; this test is about moves, not rate limits.
  stack = await startStack({ TENANT_RATE_LIMIT_PER_MIN: "1000000" });
  tenant = await signupTenant(stack);
  op = await superAdminSession(stack);
  const call = async (p: string, body: unknown) => {
    const res = await stack.request("POST", p, { host: tenant.host, token: tenant.token, body });
    if (res.status !== 201) throw new Error(`${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  planId = (await call("/api/plans", { name: "Basic", downloadKbps: 8000, uploadKbps: 2000 })).plan.id;
  await call("/api/subscribers", { username: "ann", password: "ann-password", planId });
  await call("/api/nas", { name: "Move", ipAddress: "127.0.0.1", identifier, secret });
  radius = spawnApp("radius", appEnv({ RADIUS_AUTH_PORT: "0", RADIUS_ACCT_PORT: "0", RADIUS_HOST: "127.0.0.1" }));
  acctPort = Number((await radius.logged("radius listening")).acctPort);
}, 180_000);

afterAll(async () => {
  await radius?.stop();
  await stack?.close();
});

const placementOf = async () =>
  (await stack.request("GET", `/api/saas/tenants/${tenant.id}/placement`, { token: op.token })).body.placement;

describe("moving a tenant between Citus workers under traffic", () => {
  it("moves there and back while API writes and RADIUS accounting run: nothing fails, nothing is lost", {
    timeout: 300_000,
  }, async () => {
    const before = await placementOf();
    expect(before.distributed).toBe(true);
    const from: string = before.node;
    const to = before.nodes.find((n: { node: string; role: string }) => n.role === "worker" && n.node !== from)?.node;
    expect(to, "a second worker").toBeTruthy();

    let running = true;
    // API: create subscribers one after another and read the list between them.
    const apiFailures: string[] = [];
    const createdIds: string[] = [];
    let reads = 0;
    // Writes that began after a move was asked for and were answered before it was: with logical
    // replication they go on during the copy (with block_writes they would all wait for its end).
    let moving = false;
    let writesDuringMoves = 0;
    const api = (async () => {
      for (let i = 0; running; i++) {
        const startedMoving = moving;
        const res = await stack.request("POST", "/api/subscribers", {
          host: tenant.host,
          token: tenant.token,
          body: { username: `mv${i}`, password: "pw-123456", planId },
        });
        if (res.status === 201) {
          createdIds.push(res.body.subscriber.id);
          if (startedMoving && moving) writesDuringMoves++;
        } else apiFailures.push(`POST ${res.status} ${JSON.stringify(res.body)}`);
        const list = await stack.request("GET", "/api/subscribers?limit=5", { host: tenant.host, token: tenant.token });
        if (list.status === 200) reads++;
        else apiFailures.push(`GET ${list.status} ${JSON.stringify(list.body)}`);
      }
    })();
    // RADIUS: batches of Starts; what is not answered the NAS sends again, as it would.
    const prefix = uniqueSlug("mv");
    const acked = new Set<string>();
    let sent = 0;
    const nas = { identifier, secret, username: "ann" };
    const acct = (async () => {
      for (let b = 0; running; b++) {
        let pending = Array.from({ length: 20 }, (_, i) => `${prefix}-${b}-${i}`);
        sent += pending.length;
        for (let attempt = 0; pending.length > 0 && attempt < 10; attempt++) {
          const got = await sendStarts(acctPort, nas, pending);
          for (const s of got) acked.add(s);
          pending = pending.filter((s) => !got.has(s));
        }
      }
    })();

    const settle = () => new Promise((r) => setTimeout(r, 1500));
    const move = async (node: string) => {
      moving = true;
      try {
        return await stack.request("POST", `/api/saas/tenants/${tenant.id}/move`, { token: op.token, body: { node } });
      } finally {
        moving = false;
      }
    };
    await settle();
    const there = await move(to);
    expect(there.status, JSON.stringify(there.body)).toBe(200);
    // The default mode where every worker runs wal_level = logical and every table has a key.
    expect(there.body).toMatchObject({ moved: true, from, to, mode: "auto" });
    expect(there.body.placement.node).toBe(to);
    await settle();
    const back = await move(from);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ moved: true, from: to, to: from, mode: "auto" });
    await settle();
    running = false;
    await Promise.all([api, acct]);

    expect(apiFailures).toEqual([]);
    expect(createdIds.length).toBeGreaterThan(0);
    expect(writesDuringMoves, "API writes begun and answered while a move ran").toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(0);
    expect(acked.size).toBe(sent);

    const [row] = await stack.runtime.deps.db
      .select({ schema: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, tenant.id));
    const { sql } = stack.runtime.deps;
    const subs = await sql.unsafe<{ id: string }[]>(`select id::text as id from "${row?.schema}".subscribers`);
    const have = new Set(subs.map((s) => s.id));
    expect(createdIds.filter((id) => !have.has(id))).toEqual([]);
    const sessions = await sql.unsafe<{ s: string }[]>(
      `select acct_session_id as s from "${row?.schema}".radacct where acct_session_id like $1`,
      [`${prefix}-%`],
    );
    expect(sessions.length).toBe(acked.size);
    expect(sessions.every((r) => acked.has(r.s))).toBe(true);

    // Back where it started, and each move in the super-admin audit.
    expect((await placementOf()).node).toBe(from);
    const audited = await stack.runtime.deps.db
      .select({ details: superAdminAudit.details })
      .from(superAdminAudit)
      .where(and(eq(superAdminAudit.tenantId, tenant.id), eq(superAdminAudit.action, "tenant.move")));
    expect(audited.map((a) => a.details as { to: string; mode: string })).toEqual([
      expect.objectContaining({ to, mode: "auto" }),
      expect.objectContaining({ to: from, mode: "auto" }),
    ]);
  });

  it("refuses an unknown node (400 naming node) and a move to where it is changes nothing", async () => {
    const unknown = await stack.request("POST", `/api/saas/tenants/${tenant.id}/move`, {
      token: op.token,
      body: { node: "127.0.0.1:1" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("unknown_node");
    expect(unknown.body.error.message).toMatch(/^node: /);
    const here = (await placementOf()).node;
    const same = await stack.request("POST", `/api/saas/tenants/${tenant.id}/move`, {
      token: op.token,
      body: { node: here },
    });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ moved: false, from: here, to: here, mode: null });
  });
});
