export * from "./alerts.ts";
export * from "./outbox.ts";
