import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
} from "node:fs";
import path from "node:path";
import { errnoCode, StartupError } from "@proxpanel/config/startup-error";

/** The user the server runs as when we are root (PostgreSQL refuses to run as root). */
export interface RunAs {
  uid: number;
  gid: number;
  groups: number[];
}

export interface Binaries {
  /** The folder holding bin/, lib/ and share/. */
  native: string;
  initdb: string;
  postgres: string;
  version: string;
  major: number;
}

/** Where root keeps what the postgres user must reach when the clone itself is private. */
export const SHARED_ROOT = "/var/lib/proxpanel/embedded-postgres";

function ids(user: string): RunAs | undefined {
  try {
    const id = (flag: string) => execFileSync("id", [flag, user], { encoding: "utf8" }).trim();
    return { uid: Number(id("-u")), gid: Number(id("-g")), groups: id("-G").split(/\s+/).map(Number) };
  } catch {
    return undefined;
  }
}

/** Undefined for an ordinary user; as root, the `postgres` system user, created when missing. */
export function runAsFor(uid = process.getuid?.()): RunAs | undefined {
  if (uid !== 0) return undefined;
  const existing = ids("postgres");
  if (existing) return existing;
  try {
    const args = ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"];
    execFileSync("useradd", args, { stdio: "ignore" });
  } catch {
    // handled below: no user is a clear message, not the useradd failure
  }
  const created = ids("postgres");
  if (!created) {
    throw new StartupError(
      "PostgreSQL will not run as root and there is no `postgres` user to run it as (useradd failed): create one with `useradd --system postgres`, or set DATABASE_URL",
    );
  }
  return created;
}

/** Whether `who` may use a file or folder with these stats for `bit` (4 read, 2 write, 1 enter/execute). */
export function permits(st: Pick<Stats, "mode" | "uid" | "gid">, who: RunAs, bit: number): boolean {
  if (st.uid === who.uid) return ((st.mode >> 6) & bit) === bit;
  if (who.groups.includes(st.gid) || st.gid === who.gid) return ((st.mode >> 3) & bit) === bit;
  return (st.mode & bit) === bit;
}

/** Whether `who` can enter every folder from / down to `target` (the parts that exist). */
export function reachable(
  target: string,
  who: RunAs,
  stat: (p: string) => Stats | undefined = statOrUndefined,
): boolean {
  let dir = path.resolve(target);
  for (;;) {
    const st = stat(dir);
    if (st?.isDirectory() && !permits(st, who, 1)) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

function statOrUndefined(p: string): Stats | undefined {
  return statSync(p, { throwIfNoEntry: false });
}

/** Creates `dir` and its parents up to / as folders anyone may enter, whatever the umask. */
function openFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let d = dir; d !== path.dirname(d) && d.startsWith(path.dirname(SHARED_ROOT)); d = path.dirname(d))
    chmodSync(d, 0o755);
}

/** The binaries where `who` can run them: in node_modules if it can reach them, else a copy made once. */
export function placeBinaries(bin: Binaries, who: RunAs | undefined): Binaries {
  if (!who || reachable(bin.native, who)) return bin;
  const dest = path.join(SHARED_ROOT, `postgresql-${bin.version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(dest, "bin", "postgres"))) {
    openFolder(SHARED_ROOT);
    // Copied under a private name and renamed: two starts at once never see half a copy.
    const partial = `${dest}.partial-${process.pid}`;
    cpSync(bin.native, partial, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(partial, dest);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  const file = (name: string) => path.join(dest, "bin", name);
  return { ...bin, native: dest, initdb: file("initdb"), postgres: file("postgres") };
}

/**
 * The folder the cluster really lives in. As root with a clone the postgres user cannot enter, the
 * data goes under SHARED_ROOT (one folder per clone path) and `dir` becomes a link to it, so the
 * next start, `ls .data/pg` and a backup of the clone all find it.
 */
export function placeDataDir(dir: string, who: RunAs | undefined): string {
  const wanted = path.resolve(dir);
  const link = lstatSync(wanted, { throwIfNoEntry: false });
  const real = link ? realpathSync(wanted) : wanted;
  if (!who || reachable(path.dirname(real), who)) return real;
  if (link && !link.isSymbolicLink() && existsSync(path.join(wanted, "PG_VERSION"))) {
    throw new StartupError(
      `the data folder ${dir} holds a database, but the postgres user cannot enter a folder above it: let it in (chmod o+x on the parents), move the folder, or set DATA_DIR`,
    );
  }
  openFolder(path.join(SHARED_ROOT, "data"));
  const moved = path.join(SHARED_ROOT, "data", createHash("sha256").update(wanted).digest("hex").slice(0, 16));
  mkdirSync(moved, { mode: 0o700 });
  if (link) rmSync(wanted, { recursive: true, force: true });
  mkdirSync(path.dirname(wanted), { recursive: true });
  symlinkSync(moved, wanted);
  return moved;
}

/** Creates the data folder (owned by the server's user when we are root), or says why it cannot. */
export function prepareDataDir(dataDir: string, asked: string, who: RunAs | undefined): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (who && statSync(dataDir).uid !== who.uid) chownSync(dataDir, who.uid, who.gid);
  } catch (err) {
    throw new StartupError(
      `cannot create the data folder ${asked} (${errnoCode(err) ?? String(err)}): choose a folder you can write with DATA_DIR, or set DATABASE_URL`,
    );
  }
}
