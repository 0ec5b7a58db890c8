import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "@proxpanel/config";

/**
 * The install's own keys as the API resolves them: configuration first, else the `secrets.json` that
 * a non-production start generated under DATA_DIR. A CLI must use the very same values.
 */
export function installKeys(config: Config): { licenseKey: string; dataKey: string } {
  const file = path.join(config.DATA_DIR, "secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { data?: string; backup?: string }) : {};
  const licenseKey = config.BACKUP_LICENSE_KEY ?? stored.backup;
  const dataKey = config.DATA_ENCRYPTION_KEY ?? stored.data;
  if (!licenseKey || !dataKey) {
    throw new Error(`no BACKUP_LICENSE_KEY / DATA_ENCRYPTION_KEY configured and none in ${file}`);
  }
  return { licenseKey, dataKey };
}
