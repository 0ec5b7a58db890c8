export { parseAccounting } from "./accounting.ts";
export { evaluateAccessRequest, normalizeMac } from "./auth.ts";
export {
  type DynamicAuthOptions,
  type DynamicAuthResult,
  type DynamicAuthTarget,
  sendCoa,
  sendDisconnect,
} from "./coa-client.ts";
export { type AttributeList, Code, decodePacket, encodeRequest, encodeResponse, verifyResponse } from "./codec.ts";
export type { RadiusCounters } from "./counters.ts";
export type * from "./data-source.ts";
export { MemoryDataSource, type MemoryNas } from "./memory-source.ts";
export { ntPasswordHash } from "./mschap.ts";
export { RadiusServer, type RadiusServerOptions } from "./server.ts";
