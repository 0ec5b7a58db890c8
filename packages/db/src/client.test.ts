import { describe, expect, it } from "vitest";
import { connect } from "./client.ts";
import { migratePublic } from "./migrate/public.ts";
import { plans } from "./public/plans.ts";

const url = process.env.TEST_DATABASE_URL as string;

describe("connect without the driver's array-type read (db:migrate)", () => {
  it("still reads and writes Drizzle's typed text[] columns, in transactions too", async () => {
    await migratePublic(url); // itself without the read: it seeds the plans' text[] modules
    const tool = connect(url, { max: 2, fetchTypes: false });
    try {
      expect((tool.sql.options as unknown as { fetch_types: boolean }).fetch_types).toBe(false);
      const rows = await tool.db.transaction((tx) =>
        tx.select({ code: plans.code, modules: plans.modules }).from(plans),
      );
      const trial = rows.find((r) => r.code === "trial");
      expect(trial?.modules).toEqual(["notifications"]);
    } finally {
      await tool.close();
    }
  });
});

describe("connect: the catalog's array types are read once per pool", () => {
  it("parses and sends arrays on connections opened after the first, and sql.reserve() on a new connection settles", async () => {
    const database = connect(url, { max: 4 });
    const { sql } = database;
    try {
      // Whether the pool's next connection will read pg_type (the driver checks it per connection).
      const fetchTypes = () => (sql.options as unknown as { fetch_types: boolean }).fetch_types;
      expect(fetchTypes()).toBe(true);
      const first = await sql.reserve(); // handed over once open, i.e. after its read
      expect(fetchTypes()).toBe(false);
      // Two more connections while the first is held: one from a query, one from a reserve.
      const held = sql.begin(async (tx) => {
        const [row] = await tx<{ t: string[]; p: number[] }[]>`
          select array['x', 'y']::text[] as t, ${sql.array([3, 4])}::int4[] as p`;
        return row;
      });
      const second = await sql.reserve();
      const [row] = await second<{ n: number[] }[]>`select array[1, 2]::int4[] as n`;
      expect(row).toEqual({ n: [1, 2] });
      expect(await held).toEqual({ t: ["x", "y"], p: [3, 4] });
      second.release();
      first.release();
    } finally {
      await database.close();
    }
  });
});
