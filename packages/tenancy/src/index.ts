export * from "./actor.ts";
export * from "./admin.ts";
export * from "./errors.ts";
export * from "./keys.ts";
export * from "./onboarding.ts";
export * from "./resolver.ts";
export * from "./slug.ts";
export * from "./state/index.ts";
