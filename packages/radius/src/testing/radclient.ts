/** Drives FreeRADIUS's radclient (Debian freeradius-utils) as a real NAS would. */
import { spawn, spawnSync } from "node:child_process";

const INSTALL_HINT =
  "radclient not found: install Debian package freeradius-utils (apt-get install -y freeradius-utils)";

/** Throws (so tests fail, never skip) when radclient is not installed. */
export function requireRadclient(): string {
  const r = spawnSync("sh", ["-c", "command -v radclient"], { encoding: "utf8" });
  const path = r.stdout.trim();
  if (r.status !== 0 || path === "") throw new Error(INSTALL_HINT);
  return path;
}

export interface RadclientReply {
  code: string;
  id: number;
  attributes: Record<string, string[]>;
}

export interface RadclientResult {
  replies: RadclientReply[];
  /** requests radclient gave up on */
  noReply: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RadclientArgs {
  port: number;
  type: "auth" | "acct" | "status";
  secret: string;
  /** One entry per packet, attribute lines in radclient syntax. */
  packets: string[];
  host?: string;
  /** Generous defaults so a loaded CI machine does not turn a slow answer into "no reply". */
  retries?: number;
  timeoutSeconds?: number;
}

export function radclient(args: RadclientArgs): Promise<RadclientResult> {
  const bin = requireRadclient();
  const argv = [
    "-x",
    "-r",
    String(args.retries ?? 3),
    "-t",
    String(args.timeoutSeconds ?? 2),
    `${args.host ?? "127.0.0.1"}:${args.port}`,
    args.type,
    args.secret,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (exitCode) => {
      resolve({ ...parse(stdout), exitCode, stdout, stderr });
    });
    child.stdin.end(`${args.packets.map((p) => p.trim()).join("\n\n")}\n`);
  });
}

function parse(stdout: string): { replies: RadclientReply[]; noReply: number } {
  const replies: RadclientReply[] = [];
  let noReply = 0;
  let current: RadclientReply | undefined;
  for (const line of stdout.split("\n")) {
    const received = /^Received (\S+) Id (\d+) /.exec(line);
    if (received) {
      current = { code: received[1] ?? "", id: Number(received[2]), attributes: {} };
      replies.push(current);
      continue;
    }
    if (/No reply from server/.test(line)) noReply++;
    const attr = /^\t(\S+) = (.*)$/.exec(line);
    if (attr && current) {
      const name = attr[1] ?? "";
      const value = (attr[2] ?? "").replace(/^"(.*)"$/, "$1");
      current.attributes[name] = [...(current.attributes[name] ?? []), value];
      continue;
    }
    if (!line.startsWith("\t")) current = undefined;
  }
  return { replies, noReply };
}
