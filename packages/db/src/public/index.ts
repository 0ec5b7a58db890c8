export * from "./backups.ts";
export * from "./billing.ts";
export * from "./mail.ts";
export * from "./network.ts";
export * from "./plans.ts";
export * from "./super-admins.ts";
export * from "./tenants.ts";
