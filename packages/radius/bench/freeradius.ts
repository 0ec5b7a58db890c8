/**
 * A private FreeRADIUS 3.2 (Debian `freeradius`) with the `files` module for the side-by-side
 * run: a copy of /etc/freeradius/3.0 with its own log/run dirs, ports, client and users file.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function freeradiusInstalled(): boolean {
  return spawnSync("sh", ["-c", "command -v freeradius"]).status === 0 && existsSync("/etc/freeradius/3.0");
}

export interface RunningFreeradius {
  pid: number;
  stop(): Promise<void>;
}

export async function startFreeradius(args: {
  dir: string;
  /** Accounting listens on authPort + 1. */
  authPort: number;
  secret: string;
  users: { name: string; password: string; rateLimit: string; framedIp: string }[];
  /**
   * rlm_sql on PostgreSQL (Debian `freeradius-postgresql`) instead of the `files` users: the
   * database must hold FreeRADIUS's schema and the users in radcheck/radreply (see sql.ts).
   */
  sql?: { host: string; port: number; user: string; password: string; database: string };
}): Promise<RunningFreeradius> {
  const d = join(args.dir, "raddb");
  cpSync("/etc/freeradius/3.0", d, { recursive: true, verbatimSymlinks: true });
  for (const sub of ["log", "run"]) mkdirSync(join(args.dir, sub), { recursive: true });
  const edit = (file: string, fn: (s: string) => string) =>
    writeFileSync(join(d, file), fn(readFileSync(join(d, file), "utf8")));
  edit("radiusd.conf", (s) =>
    s
      .replace(/^logdir = .*$/m, `logdir = ${join(args.dir, "log")}`)
      .replace(/^raddbdir = .*$/m, `raddbdir = ${d}`)
      .replace(/^run_dir = .*$/m, `run_dir = ${join(args.dir, "run")}`)
      .replace(/^\s*user = freerad$/m, "")
      .replace(/^\s*group = freerad$/m, ""),
  );
  // Listen sections in order: IPv4 auth, IPv4 acct, IPv6 auth, IPv6 acct.
  let n = 0;
  edit("sites-available/default", (s) =>
    s
      .replace(/^\tport = 0$/gm, () => `\tport = ${args.authPort + n++}`)
      .replace(/^\tipaddr = \*$/gm, "\tipaddr = 127.0.0.1"),
  );
  edit("sites-available/inner-tunnel", (s) => s.replace("port = 18120", `port = ${args.authPort + 10}`));
  writeFileSync(
    join(d, "clients.conf"),
    `client bench {\n\tipaddr = 127.0.0.1\n\tsecret = ${args.secret}\n\trequire_message_authenticator = yes\n}\n`,
  );
  if (!args.sql)
    writeFileSync(
      join(d, "mods-config/files/authorize"),
      args.users
        .map(
          (u) =>
            `${u.name} Cleartext-Password := "${u.password}"\n\tMikrotik-Rate-Limit = "${u.rateLimit}",\n\tFramed-IP-Address = ${u.framedIp}\n`,
        )
        .join("\n"),
    );
  if (args.sql) {
    const q = args.sql;
    edit("mods-available/sql", (s) =>
      s
        .replace(/^\tdialect = "sqlite"$/m, '\tdialect = "postgresql"')
        .replace(/^\tdriver = "rlm_sql_null"$/m, '\tdriver = "rlm_sql_postgresql"')
        .replace(/^#\tserver = "localhost"$/m, `\tserver = "${q.host}"`)
        .replace(/^#\tport = 3306$/m, `\tport = ${q.port}`)
        .replace(/^#\tlogin = "radius"$/m, `\tlogin = "${q.user}"`)
        .replace(/^#\tpassword = "radpass"$/m, `\tpassword = "${q.password}"`)
        .replace(/^\tradius_db = "radius"$/m, `\tradius_db = "${q.database}"`),
    );
    symlinkSync("../mods-available/sql", join(d, "mods-enabled/sql"));
    // Accounting goes to radacct only, like ours: no detail file, no radwtmp (both cost
    // FreeRADIUS CPU that our daemon does not spend, so leaving them in would flatter us).
    edit("sites-available/default", (s) => s.replace(/^\tdetail$/m, "#\tdetail").replace(/^\tunix$/m, "#\tunix"));
    // Only SQL knows the users.
    writeFileSync(join(d, "mods-config/files/authorize"), "");
  }
  const child: ChildProcess = spawn("freeradius", ["-f", "-d", d, "-l", "stdout"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (b: Buffer) => {
    output += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    output += b.toString();
  });
  const ready = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 15_000);
    const check = () => {
      if (/Ready to process requests/.test(output)) {
        clearTimeout(t);
        resolve(true);
      }
    };
    child.stdout?.on("data", check);
    child.on("exit", () => {
      clearTimeout(t);
      resolve(false);
    });
  });
  if (!ready || child.pid === undefined) {
    child.kill();
    throw new Error(`FreeRADIUS did not start:\n${output.slice(-2000)}`);
  }
  return {
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
