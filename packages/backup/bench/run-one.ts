/**
 * One measured backup or restore in its own process, so its peak RSS (VmHWM) is its own:
 *   tsx run-one.ts backup  <url> <schema> <file>
 *   tsx run-one.ts restore <url> <schema> <file>      (as the API does it: one pass)
 *   tsx run-one.ts restore-verify <url> <schema> <file>  (verify the whole archive first, then load)
 * Prints one JSON line: { seconds, bytes, peakRssKb }. Timing covers the operation only.
 */
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { connect } from "@proxpanel/db";
import { restoreBackup, writeBackup } from "../src/index.ts";

const [op, url, schema, file] = process.argv.slice(2);
if (!op || !url || !schema || !file)
  throw new Error("usage: run-one.ts backup|restore|restore-verify <url> <schema> <file>");
export const BENCH_KEYS = { licenseKey: "bench-license", tenantId: "bench", tenantSecret: "bench-secret" };

function peakRssKb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return Number(m?.[1] ?? 0);
}

// Four: the restore reserves three loading connections and swaps on a fourth.
const database = connect(url, { max: 4 });
try {
  const t0 = performance.now();
  let bytes = 0;
  // Seconds from the start at which each restore phase began (profiling aid).
  const phases: Record<string, number> = {};
  if (op === "backup") {
    ({ bytes } = await writeBackup(
      { sql: database.sql, schemaName: schema, keys: BENCH_KEYS },
      createWriteStream(file),
    ));
  } else {
    await restoreBackup({
      db: database.db,
      keys: BENCH_KEYS,
      open: () => createReadStream(file),
      targetSchema: schema,
      verifyFirst: op === "restore-verify",
      onProgress: (p) => {
        phases[p.phase] ??= (performance.now() - t0) / 1000;
      },
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, bytes, peakRssKb: peakRssKb(), phases }));
} finally {
  await database.close();
}
