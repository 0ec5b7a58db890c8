/**
 * Test helper: runs one restore in its own process so a test can kill it mid-load.
 *   tsx restore-child.ts <url> <schema> <archive>
 * Prints `LOADING <table>` for every table it starts, so the parent knows when to strike.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "@proxpanel/db";
import { restoreBackup } from "./restore.ts";
import { KEYS_A } from "./testing.ts";

const [url, schema, file] = process.argv.slice(2);
if (!url || !schema || !file) throw new Error("usage: restore-child.ts <url> <schema> <archive>");
/** The archive in 16 KiB steps, 10 ms apart: the load lasts long enough for the kill to land in it. */
async function* slowly(path: string): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: 16 * 1024 })) {
    yield chunk as Buffer;
    await sleep(10);
  }
}

const database = connect(url, { max: 4 });
try {
  await restoreBackup({
    db: database.db,
    keys: KEYS_A,
    open: () => Readable.from(slowly(file)),
    targetSchema: schema,
    onProgress: (p) => {
      if (p.table) process.stdout.write(`LOADING ${p.table}\n`);
    },
  });
  process.stdout.write("DONE\n");
} finally {
  await database.close();
}
