import fs from "node:fs/promises";

/**
 * The backups this process is making, so a shutdown can let them finish or stop them cleanly.
 * A backup is `staging` while it dumps to its staging file and `recording` once its row is being
 * written (one short transaction; from then on the archive is complete and the row points at it).
 * What a shutdown must never leave is a staging file that no row points at (issue 17, finding 1).
 */
export class BackupInterruptedError extends Error {
  override name = "BackupInterruptedError";
  constructor() {
    super("The backup was interrupted by a shutdown; nothing was kept.");
  }
}

export interface RunningBackup {
  file: string;
  phase: "staging" | "recording";
  /** Stops the dump (its stream is destroyed; stageBackup then removes the file). */
  abort: AbortController;
  done: Promise<unknown>;
}

const running = new Set<RunningBackup>();

export function trackBackup(entry: RunningBackup): () => void {
  running.add(entry);
  return () => running.delete(entry);
}

/** Throws when the shutdown has already given up on this backup (checked before its row is written). */
export function assertNotInterrupted(entry: RunningBackup): void {
  if (entry.abort.signal.aborted) throw new BackupInterruptedError();
}

const settle = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(noop, noop), new Promise<void>((r) => setTimeout(r, ms).unref())]);
function noop() {}

/**
 * Waits up to `ms` for running backups. Those still dumping then are aborted and their staging
 * files removed (no row was written, so nothing points at them); one already writing its row is
 * waited for, since that transaction is short and its archive is complete.
 */
export async function drainBackups(ms: number): Promise<{ finished: number; interrupted: number }> {
  const all = [...running];
  if (all.length === 0) return { finished: 0, interrupted: 0 };
  await settle(Promise.allSettled(all.map((e) => e.done)), ms);
  const staging = [...running].filter((e) => e.phase === "staging");
  for (const e of staging) e.abort.abort();
  // The aborted dumps unwind and delete their files; the rows being written commit or fail.
  await settle(Promise.allSettled([...running].map((e) => e.done)), 5_000);
  // Belt and braces: a file whose dump did not unwind in time is removed here.
  await Promise.all(staging.map((e) => fs.rm(e.file, { force: true })));
  return { finished: all.length - staging.length, interrupted: staging.length };
}
