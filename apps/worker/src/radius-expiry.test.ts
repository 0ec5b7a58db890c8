import { seal } from "@proxpanel/auth";
import { type Db, migrateTenantSchema } from "@proxpanel/db";
import * as publicSchema from "@proxpanel/db/public/index";
import { applyDynAuth } from "@proxpanel/dynauth";
import { type DecodedPacket, vendorAttrs } from "@proxpanel/radius/codec";
import { FakeNas } from "@proxpanel/radius/testing/fake-nas";
import { TenantKeyRing } from "@proxpanel/tenancy";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectExpired } from "./radius-expiry.ts";

const run = Date.now().toString(36);
const schema = `tenant_dynauth_${run}`;
const NAS_SECRET = "coa-secret-of-the-nas";
let sql: postgres.Sql;
let db: Db;
let keys: TenantKeyRing;
let tenantId: string;

let nas: FakeNas;
let mikrotikNasId: string;

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest");
  sql = postgres(url, { max: 2, onnotice: () => {} });
  db = drizzle(sql, { schema: publicSchema });
  keys = new TenantKeyRing(db, "cluster-key-for-dynauth-test-0123456789");
  await db.transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  const [t] = await sql.unsafe<{ id: string }[]>(
    `insert into public.tenants (slug, schema_name, company_name, plan, secret)
     values ('dynauth-${run}', '${schema}', 'DynAuth', 'starter', md5(random()::text)) returning id`,
  );
  if (!t) throw new Error("tenant not created");
  tenantId = t.id;
  nas = await FakeNas.open(NAS_SECRET);
  const [n] = await sql.unsafe<{ id: string }[]>(
    `insert into "${schema}".nas_devices (name, ip_address, secret_enc, type, coa_port)
     values ('edge', '127.0.0.1', 'pending', 'mikrotik', $1) returning id`,
    [nas.port],
  );
  if (!n) throw new Error("nas not created");
  mikrotikNasId = n.id;
  const key = await keys.forTenant(tenantId);
  await sql.unsafe(`update "${schema}".nas_devices set secret_enc = $1 where id = $2`, [
    seal(key, NAS_SECRET, `nas:${n.id}`),
    n.id,
  ]);
});

afterAll(async () => {
  nas.close();
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.unsafe(`delete from public.tenants where slug = 'dynauth-${run}'`);
  await sql.end({ timeout: 5 });
});

async function onlineSubscriber(name: string, expiresAt: Date | null): Promise<string> {
  const [s] = await sql.unsafe<{ id: string }[]>(
    `insert into "${schema}".subscribers (username, password_enc, expires_at) values ($1, 'x', $2) returning id`,
    [name, expiresAt?.toISOString() ?? null],
  );
  if (!s) throw new Error("subscriber not created");
  await sql.unsafe(
    `insert into "${schema}".radacct (acct_session_id, acct_unique_id, username, subscriber_id, nas_id, nas_ip_address,
       framed_ip_address, start_time, update_time)
     values ($1, $1 || '-u', $2, $3, $4, '127.0.0.1', '100.64.0.77', now() - interval '1 hour', now())`,
    [`sess-${name}`, name, s.id, mikrotikNasId],
  );
  return s.id;
}

const str = (p: DecodedPacket, name: string) => p.attributes[name];

describe("Disconnect / CoA to the subscriber's NAS", () => {
  it("the expiry job disconnects subscribers whose expiry passed, with a request the NAS verifies", async () => {
    const now = new Date();
    const expired = await onlineSubscriber("expired-one", new Date(now.getTime() - 5 * 60_000));
    await onlineSubscriber("still-valid", new Date(now.getTime() + 86_400_000));
    nas.received.length = 0;
    const results = await disconnectExpired(
      { db, keys, options: { timeoutMs: 1000, retries: 2 } },
      {
        now,
        tenantIds: [tenantId],
      },
    );
    expect(results.map((r) => r.subscriberId)).toEqual([expired]);
    expect(results[0]?.outcomes).toEqual([
      { sessionId: "sess-expired-one", nasId: mikrotikNasId, sent: "disconnect", outcome: "ack", attempts: 1 },
    ]);
    expect(nas.received).toHaveLength(1);
    const p = nas.received[0] as DecodedPacket;
    expect(p.code).toBe(40);
    expect(str(p, "User-Name")).toBe("expired-one");
    expect(str(p, "Acct-Session-Id")).toBe("sess-expired-one");
    expect(str(p, "Framed-IP-Address")).toBe("100.64.0.77");
    const [audit] = await sql.unsafe<{ action: string; details: { reason: string } }[]>(
      `select action, details from "${schema}".audit_logs where entity_id = $1`,
      [expired],
    );
    expect(audit?.action).toBe("radius.disconnect");
    expect(audit?.details.reason).toBe("expired");
  });

  it("a plan change sends CoA with the new Mikrotik-Rate-Limit to a MikroTik NAS", async () => {
    const id = await onlineSubscriber("upgraded", null);
    nas.received.length = 0;
    const out = await applyDynAuth({ db, keys }, { id: tenantId, schemaName: schema }, id, {
      kind: "coa",
      reason: "plan_change",
      rateLimit: "20000k/50000k",
    });
    expect(out.map((o) => [o.sent, o.outcome])).toEqual([["coa", "ack"]]);
    const p = nas.received[0] as DecodedPacket;
    expect(p.code).toBe(43);
    expect(vendorAttrs(p.attributes)["Mikrotik-Rate-Limit"]).toBe("20000k/50000k");
  });

  it("falls back to Disconnect when the NAS refuses the CoA", async () => {
    const id = await onlineSubscriber("no-coa", null);
    nas.received.length = 0;
    nas.answer = (p) => (p.code === 43 ? { nak: 405 } : "ack");
    try {
      const out = await applyDynAuth({ db, keys }, { id: tenantId, schemaName: schema }, id, {
        kind: "coa",
        reason: "plan_change",
        rateLimit: "1000k/1000k",
      });
      expect(out.map((o) => [o.sent, o.outcome])).toEqual([["disconnect", "ack"]]);
      expect(nas.received.map((p) => p.code)).toEqual([43, 40]);
    } finally {
      nas.answer = () => "ack";
    }
  });

  it("disabling sends Disconnect; a subscriber without open sessions sends nothing", async () => {
    const id = await onlineSubscriber("disabled-one", null);
    nas.received.length = 0;
    const out = await applyDynAuth({ db, keys }, { id: tenantId, schemaName: schema }, id, {
      kind: "disconnect",
      reason: "disabled",
    });
    expect(out.map((o) => [o.sent, o.outcome])).toEqual([["disconnect", "ack"]]);
    await sql.unsafe(`update "${schema}".radacct set stop_time = now() where subscriber_id = $1`, [id]);
    nas.received.length = 0;
    const none = await applyDynAuth({ db, keys }, { id: tenantId, schemaName: schema }, id, {
      kind: "disconnect",
      reason: "disabled",
    });
    expect(none).toEqual([]);
    expect(nas.received).toHaveLength(0);
  });
});
