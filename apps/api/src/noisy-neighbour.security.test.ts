import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../tests/harness.ts";

// A tenant's requests are made to hang inside PostgreSQL by locking its subscribers table from a
// separate connection: each such request holds a pool connection, exactly like a slow report.
let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let locker: postgres.Sql;

beforeAll(async () => {
  stack = await startStack({ DB_POOL_MAX: "6", TENANT_CONCURRENCY: "2", DB_STATEMENT_TIMEOUT_MS: "3000" });
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  locker = postgres(process.env.TEST_DATABASE_URL ?? "", { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await locker.end();
  await stack.close();
});

async function schemaOf(t: TestTenant) {
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id));
  return row?.schemaName ?? "";
}

/** Holds an exclusive lock on the tenant's subscribers table for `ms`. */
async function holdLock(schema: string, ms: number, during: () => Promise<void>) {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const tx = locker.begin(async (sql) => {
    await sql.unsafe(`lock table "${schema}".subscribers in access exclusive mode`);
    await Promise.race([held, new Promise((r) => setTimeout(r, ms))]);
  });
  await new Promise((r) => setTimeout(r, 50));
  try {
    await during();
  } finally {
    release();
    await tx;
  }
}

describe("noisy neighbours", () => {
  it("one tenant's stuck queries cannot take the pool: another tenant keeps answering", async () => {
    const schema = await schemaOf(a);
    await holdLock(schema, 8000, async () => {
      let aSettled = 0;
      const stuck = Array.from({ length: 12 }, () =>
        stack.request("GET", "/api/subscribers", { host: a.host, token: a.token }).then((r) => {
          aSettled += 1;
          return r;
        }),
      );
      await new Promise((r) => setTimeout(r, 100));
      // Twelve stuck requests from A would exhaust a 6-connection pool without the ceiling.
      // B was served while every one of A's requests was still stuck (without the ceiling, B would
      // wait for A's statements to time out and free their connections). Checked on B's first
      // answer: ten in a row on a loaded machine can outlast A's statement timeout.
      const first = await stack.request("GET", "/api/subscribers", { host: b.host, token: b.token });
      expect(first.status).toBe(200);
      expect(aSettled).toBe(0);
      for (let i = 0; i < 9; i++) {
        const res = await stack.request("GET", "/api/subscribers", { host: b.host, token: b.token });
        expect(res.status).toBe(200);
      }
      const results = await Promise.all(stuck);
      // A's requests end by the statement timeout (503 query_timeout), never with a hang.
      for (const r of results) {
        expect([200, 503]).toContain(r.status);
        if (r.status === 503) expect(["query_timeout", "tenant_busy"]).toContain(r.body.error.code);
      }
      expect(results.some((r) => r.status === 503 && r.body.error.code === "query_timeout")).toBe(true);
    });
    expect((await stack.request("GET", "/api/subscribers", { host: a.host, token: a.token })).status).toBe(200);
  });
});
