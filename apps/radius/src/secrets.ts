import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "@proxpanel/config";

/**
 * The cluster data key that seals NAS secrets and PPPoE passwords. Production sets
 * DATA_ENCRYPTION_KEY; a development machine uses the one `npm start` generated.
 */
export function dataKey(config: Config): string {
  if (config.DATA_ENCRYPTION_KEY) return config.DATA_ENCRYPTION_KEY;
  const file = path.join(config.DATA_DIR, "secrets.json");
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, "utf8")) as { data?: unknown };
    if (typeof stored.data === "string") return stored.data;
  }
  throw new Error(`DATA_ENCRYPTION_KEY is not set and ${file} holds no data key; run the API once or set it`);
}
