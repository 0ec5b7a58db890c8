import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateSchema, SCHEMA_FILE } from "../../../../scripts/openapi-generate.ts";

describe("generated API client types", () => {
  it("the committed schema.d.ts equals a fresh generation from the API's OpenAPI document", async () => {
    const committed = await readFile(SCHEMA_FILE, "utf8");
    const fresh = await generateSchema();
    // A mismatch means a route changed: run `npm run openapi:generate` and commit the result.
    expect(committed === fresh, "apps/panel/src/api/schema.d.ts is stale: run `npm run openapi:generate`").toBe(true);
    expect(fresh).toContain('"/api/site"');
    expect(fresh).toContain('"/api/subscribers"');
  });
});
