import { inArray } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../../env.ts";

/** Public: the login page needs the workspace's look before anyone signs in. */
export function brandingRoutes() {
  return new Hono<AppEnv>().get("/", async (c) => {
    const { db, t, slug } = c.get("tenant");
    const rows = await db
      .select()
      .from(t.systemPreferences)
      .where(inArray(t.systemPreferences.key, ["company_name", "branding", "timezone"]));
    const prefs = Object.fromEntries(rows.map((r) => [r.key, r.value]));
    c.header("Cache-Control", "public, max-age=60");
    return c.json({
      slug,
      companyName: prefs.company_name ?? slug,
      timezone: prefs.timezone ?? "UTC",
      branding: prefs.branding ?? {},
    });
  });
}
