import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./packages/db/src/tenant/template.ts",
  out: "./drizzle/tenant",
  schemaFilter: ["tenant_template"],
});
