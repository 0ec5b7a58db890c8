export * from "./db.ts";
export * from "./issue.ts";
export * from "./numbering.ts";
export * from "./period.ts";
export * from "./run.ts";
export * from "./settings.ts";
export * from "./suspend.ts";
export * from "./tax.ts";
