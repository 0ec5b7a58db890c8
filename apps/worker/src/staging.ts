import fs from "node:fs/promises";
import { raiseAlert } from "@proxpanel/backup";
import type { Db } from "@proxpanel/db";

export const STAGING_ALERT_RATIO = 0.8;

/** Raises a cluster alert when the filesystem holding the staging directory is over 80 % full. */
export async function checkStagingSpace(db: Db, stagingDir: string): Promise<number> {
  await fs.mkdir(stagingDir, { recursive: true });
  const st = await fs.statfs(stagingDir);
  const used = st.blocks === 0 ? 0 : 1 - st.bavail / st.blocks;
  if (used > STAGING_ALERT_RATIO) {
    await raiseAlert(db, null, "staging_full", `backup staging ${stagingDir} is ${Math.round(used * 100)}% full`);
  }
  return used;
}
