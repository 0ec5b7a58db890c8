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
