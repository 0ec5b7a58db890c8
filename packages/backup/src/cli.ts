import { createReadStream, readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readArchiveHeader } from "./archive.ts";
import type { ArchiveHeader } from "./header.ts";
import type { KeyMaterial } from "./keys.ts";
import { runTransfer, TRANSFER_USAGE } from "./transfer/cli.ts";
import { verifyArchive } from "./verify.ts";

const USAGE = `usage:
  tsx packages/backup/src/cli.ts header <file.proisp.bak>
  tsx packages/backup/src/cli.ts verify <file.proisp.bak> [--tenant-id ID]
        [--license-key-file PATH] [--tenant-secret-file PATH]

verify reads the key material from the files given, else from the environment variables
PROXPANEL_LICENSE_KEY and PROXPANEL_TENANT_SECRET (never from the command line, where other users
of the machine could read it). The tenant id defaults to the one in the archive header.
Nothing is restored or written.
${TRANSFER_USAGE}`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

function describeHeader(h: ArchiveHeader): string[] {
  return [
    `tenant id:       ${h.tenantId}`,
    `format version:  ${h.formatVersion}`,
    `schema version:  ${h.schemaVersion}`,
    `key id:          ${h.keyId}`,
    `created at:      ${h.createdAt.toISOString()}`,
    `compression:     ${h.compression}`,
    `chunk size:      ${h.chunkSize}`,
  ];
}

function secret(file: string | undefined, envName: string, env: NodeJS.ProcessEnv): string {
  const value = file ? readFileSync(file, "utf8").trim() : env[envName];
  if (!value) throw new Error(`no key material: pass a file or set ${envName}`);
  return value;
}

/** Returns the exit code; never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "tenant-id": { type: "string" },
        "license-key-file": { type: "string" },
        "tenant-secret-file": { type: "string" },
        "data-key-file": { type: "string" },
        out: { type: "string" },
        archive: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
    const [command, file] = positionals;
    if (!values.help && (command === "export" || command === "import")) {
      return await runTransfer({ command, positionals: positionals.slice(1), values }, io);
    }
    if (values.help || !file || positionals.length !== 2 || (command !== "header" && command !== "verify")) {
      io.err(USAGE);
      return values.help ? 0 : 2;
    }
    const header = await readArchiveHeader(createReadStream(file));
    for (const line of describeHeader(header)) io.out(line);
    if (command === "header") return 0;

    const keys: KeyMaterial = {
      licenseKey: secret(values["license-key-file"], "PROXPANEL_LICENSE_KEY", io.env),
      tenantId: values["tenant-id"] ?? header.tenantId,
      tenantSecret: secret(values["tenant-secret-file"], "PROXPANEL_TENANT_SECRET", io.env),
    };
    const { manifest } = await verifyArchive(createReadStream(file), keys);
    io.out(`source schema:   ${manifest.sourceSchema}`);
    for (const t of manifest.tables) io.out(`table ${t.name}: ${t.rows} rows, ${t.bytes} bytes`);
    io.out(`sequences:       ${manifest.sequences.length}`);
    io.out(
      `uploads:         ${manifest.uploads.length} files, ${manifest.uploads.reduce((s, u) => s + u.bytes, 0)} bytes`,
    );
    io.out("OK: every chunk authenticated and every table and upload matches the manifest");
    return 0;
  } catch (err) {
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

// Compared as real paths: an install reached through a symlink (or a relative argv[1]) must still
// run, not exit 0 having done nothing.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  process.exitCode = await main(process.argv.slice(2), {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
  });
}
