export * from "./alerts.ts";
export * from "./create.ts";
export * from "./dry-run.ts";
export * from "./env.ts";
export * from "./open.ts";
export * from "./retention.ts";
export * from "./stage.ts";
export * from "./upload.ts";
