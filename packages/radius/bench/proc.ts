import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux; `getconf CLK_TCK`

/** utime + stime of a process (all its threads) in seconds, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields after its closing paren are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * CPU seconds of PostgreSQL backends serving one database, by backend PID, so a benchmark can
 * charge each server for the PostgreSQL work it causes (other databases' sessions, e.g. other
 * people's tests, are left out). Background processes (WAL writer, checkpointer) are not counted.
 */
export async function backendCpu(
  query: (database: string) => Promise<{ pid: number }[]>,
  database: string,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const { pid } of await query(database)) {
    try {
      out.set(pid, cpuSeconds(pid));
    } catch {
      // The backend ended between the query and the read.
    }
  }
  return out;
}

/** CPU the backends used between two snapshots; a backend that appeared meanwhile counts whole. */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}
