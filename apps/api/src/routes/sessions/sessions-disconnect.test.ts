import { tenants } from "@proxpanel/db";
import type { DecodedPacket } from "@proxpanel/radius/codec";
import { FakeNas } from "@proxpanel/radius/testing/fake-nas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

const NAS_SECRET = "disconnect-test-nas-secret";

let stack: Stack;
let tenant: TestTenant;
let nas: FakeNas;
let nasId: string;

const api = (method: string, path: string) => stack.request(method, path, { host: tenant.host, token: tenant.token });

async function bound() {
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, tenant.id));
  return stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
}

async function openSession(username: string, opts: { closed?: boolean } = {}): Promise<number> {
  const { db, t } = await bound();
  const [row] = await db
    .insert(t.radacct)
    .values({
      acctSessionId: `sess-${username}`,
      acctUniqueId: `${tenant.slug}-${username}`,
      username,
      nasId,
      nasIpAddress: "127.0.0.1",
      framedIpAddress: "100.64.1.9",
      startTime: new Date(Date.now() - 3_600_000),
      stopTime: opts.closed ? new Date() : null,
    })
    .returning({ id: t.radacct.id });
  if (!row) throw new Error("session not inserted");
  return row.id;
}

async function auditFor(sessionId: number) {
  const { db, t } = await bound();
  return db
    .select()
    .from(t.auditLogs)
    .where(eq(t.auditLogs.entityId, String(sessionId)));
}

beforeAll(async () => {
  stack = await startStack();
  tenant = await signupTenant(stack);
  // ACKs, NAKs (Error-Cause 503 Session-Context-Not-Found) or stays silent, by the session's user.
  nas = await FakeNas.open(NAS_SECRET);
  nas.answer = (p) => {
    const user = String(p.attributes["User-Name"]);
    if (user.startsWith("silent")) return "silent";
    return user.startsWith("refused") ? { nak: 503 } : "ack";
  };
  // Other suites' tenants also route 127.0.0.1: a NAS-Identifier keeps this tenant's route distinct.
  const res = await stack.request("POST", "/api/nas", {
    host: tenant.host,
    token: tenant.token,
    body: { name: "Edge", ipAddress: "127.0.0.1", identifier: tenant.slug, secret: NAS_SECRET, coaPort: nas.port },
  });
  if (res.status !== 201) throw new Error(`nas: ${res.status} ${JSON.stringify(res.body)}`);
  nasId = res.body.nas.id;
});
afterAll(async () => {
  nas.close();
  await stack.close();
});

describe("POST /api/sessions/:id/disconnect", () => {
  it("sends a Disconnect-Request the NAS verifies, naming the session, and returns the NAS's ACK", async () => {
    const id = await openSession("acked-user");
    nas.received.length = 0;
    const res = await api("POST", `/api/sessions/${id}/disconnect`);
    expect(res.status).toBe(200);
    expect(res.body.disconnected).toEqual({
      sessionId: id,
      username: "acked-user",
      nasId,
      outcome: "ack",
      attempts: 1,
    });
    expect(nas.received).toHaveLength(1);
    const p = nas.received[0] as DecodedPacket;
    expect(p.code).toBe(40);
    expect(p.attributes["User-Name"]).toBe("acked-user");
    expect(p.attributes["Acct-Session-Id"]).toBe("sess-acked-user");
    expect(p.attributes["Framed-IP-Address"]).toBe("100.64.1.9");
    const audit = await auditFor(id);
    expect(audit.map((a) => [a.action, a.actor, (a.details as { outcome: string }).outcome])).toEqual([
      ["session.disconnect", tenant.email, "ack"],
    ]);
  });

  it("a NAK from the NAS is a 502 nas_rejected carrying its Error-Cause, and is audited", async () => {
    const id = await openSession("refused-user");
    const res = await api("POST", `/api/sessions/${id}/disconnect`);
    expectError(res, 502, "nas_rejected");
    expect(res.body.error.details).toMatchObject({ outcome: "nak", errorCause: "Session-Context-Not-Found" });
    expect(res.body.error.message).toContain("Session-Context-Not-Found");
    const audit = await auditFor(id);
    expect(audit.map((a) => (a.details as { outcome: string }).outcome)).toEqual(["nak"]);
  });

  it("a NAS that never answers is a 504 nas_no_answer after the retries", async () => {
    const id = await openSession("silent-user");
    nas.received.length = 0;
    const res = await api("POST", `/api/sessions/${id}/disconnect`);
    expectError(res, 504, "nas_no_answer");
    expect(res.body.error.details).toMatchObject({ outcome: "timeout", attempts: 3 });
    // Retransmissions reuse the request, so the NAS saw the same packet three times.
    expect(nas.received).toHaveLength(3);
    expect(new Set(nas.received.map((p) => p.identifier)).size).toBe(1);
    expect((await auditFor(id)).map((a) => (a.details as { outcome: string }).outcome)).toEqual(["timeout"]);
  }, 15_000);

  it("a closed or unknown session is a 404 and nothing is sent", async () => {
    const closed = await openSession("closed-user", { closed: true });
    nas.received.length = 0;
    expectError(await api("POST", `/api/sessions/${closed}/disconnect`), 404, "not_found");
    expectError(await api("POST", "/api/sessions/999999999/disconnect"), 404, "not_found");
    expectError(await api("POST", "/api/sessions/not-a-number/disconnect"), 400, "validation_error");
    expect(nas.received).toHaveLength(0);
    expect(await auditFor(closed)).toEqual([]);
  });
});
