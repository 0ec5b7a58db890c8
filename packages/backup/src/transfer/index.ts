export * from "./export.ts";
export * from "./import.ts";
export * from "./reseal.ts";
export * from "./secrets.ts";
export * from "./sql-dump.ts";
