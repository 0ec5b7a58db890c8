import { drainBackups } from "@proxpanel/backup";
import type { Cron } from "croner";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * SIGTERM: no job starts again; runs in progress get until `ms` (SHUTDOWN_DRAIN_MS). A scheduled
 * backup still dumping then is aborted and its staging file removed, one whose row is being
 * written finishes; other jobs are idempotent (mail leases expire, uploads are retried).
 */
export async function drainJobs(jobs: Cron[], ms: number): Promise<{ busy: string[]; interrupted: number }> {
  const deadline = Date.now() + ms;
  for (const j of jobs) j.stop();
  while (jobs.some((j) => j.isBusy()) && Date.now() < deadline) await sleep(50);
  const { interrupted } = await drainBackups(Math.max(0, deadline - Date.now()));
  return { busy: jobs.filter((j) => j.isBusy()).map((j) => j.name ?? "?"), interrupted };
}
