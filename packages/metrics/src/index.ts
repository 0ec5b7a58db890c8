export * from "./health.ts";
export * from "./registry.ts";
export * from "./server.ts";
export * from "./top-tenants.ts";
