import {
  type BackupJob,
  type BackupJobKind,
  type BackupJobPatch,
  type BackupJobStatus,
  BackupJobStore,
  jobIsOpen,
} from "@proxpanel/backup";
import type { Executor } from "@proxpanel/db";
import type { SharedState } from "@proxpanel/tenancy";
import type { AppDeps } from "../../deps.ts";
import { notFound } from "../../errors.ts";

export type { BackupJob, BackupJobKind } from "@proxpanel/backup";

const UPDATES = "backup-jobs:update";

type Listener = (job: BackupJob) => void;
type HubDeps = Pick<AppDeps, "db" | "sql" | "state" | "logger">;

/**
 * Backup and restore jobs of one API instance. The row in `public.backup_jobs` is the job's state,
 * so any instance, and this one after a restart, can report it (an open job whose owner is gone
 * reads as `interrupted`, see BackupJobStore). Each change is also published on the shared state's
 * pub/sub so SSE streams on every instance hear it without polling the table.
 */
export class BackupJobHub {
  readonly store: BackupJobStore;
  readonly #state: SharedState;
  readonly #logger: HubDeps["logger"];
  /** Jobs this instance runs: the freshest copy, and the chain their row writes go through in order. */
  readonly #owned = new Map<string, { job: BackupJob; writes: Promise<void> }>();
  readonly #listeners = new Map<string, Set<Listener>>();
  #ready: Promise<void> | undefined;

  constructor(deps: HubDeps) {
    this.store = new BackupJobStore(deps.db, deps.sql);
    this.#state = deps.state;
    this.#logger = deps.logger;
  }

  /** Subscribes once per instance; the channel carries only public job fields. */
  ready(): Promise<void> {
    this.#ready ??= this.#state.subscribe(UPDATES, (msg) => this.#onUpdate(msg)).then(() => undefined);
    return this.#ready;
  }

  #onUpdate(msg: string): void {
    let job: BackupJob;
    try {
      job = JSON.parse(msg) as BackupJob;
    } catch {
      return;
    }
    if (typeof job?.id !== "string") return;
    for (const l of this.#listeners.get(job.id) ?? []) l(job);
  }

  async #publish(job: BackupJob): Promise<void> {
    // Local listeners hear it through the subscription too, in order with other instances' news.
    await this.#state.publish(UPDATES, JSON.stringify(job)).catch(() => undefined);
  }

  async start(init: Pick<BackupJob, "kind" | "tenantId" | "backupId">, status: BackupJobStatus): Promise<BackupJob> {
    await this.ready();
    const job = await this.store.create(init, status);
    this.#owned.set(job.id, { job, writes: Promise.resolve() });
    await this.#publish(job);
    return { ...job };
  }

  /** Applies a change to an owned job: its row (in order), then every instance's listeners. */
  update(id: string, patch: BackupJobPatch): Promise<void> {
    const owned = this.#owned.get(id);
    if (!owned) return Promise.resolve();
    const { job } = owned;
    // Skip no-op updates: a COPY loop reports the same table many times.
    if (Object.entries(patch).every(([k, v]) => job[k as keyof BackupJob] === v)) return owned.writes;
    Object.assign(job, patch);
    const finished = !jobIsOpen(job.status);
    if (finished) job.finishedAt ??= new Date().toISOString();
    const snapshot = { ...job };
    owned.writes = owned.writes
      .then(() => this.store.update(id, patch))
      .catch((err: unknown) => this.#logger.warn({ err, jobId: id }, "backup job row not updated"))
      .then(() => this.#publish(snapshot));
    if (finished) void owned.writes.then(() => this.#owned.delete(id));
    return owned.writes;
  }

  /**
   * Records a change inside the caller's transaction (a restore's swap): the row commits with it.
   * The in-memory copy follows only when `update` is called after the commit.
   */
  updateIn(exec: Executor, id: string, patch: BackupJobPatch): Promise<void> {
    return this.store.update(id, patch, exec);
  }

  /** The job, from this instance's memory when it runs it, otherwise from its row. */
  async get(tenantId: string, id: string, kinds: BackupJobKind[]): Promise<BackupJob> {
    // A caller that goes on to listen (SSE) must already be subscribed when it reads the job.
    await this.ready();
    const owned = this.#owned.get(id)?.job;
    const job = owned?.tenantId === tenantId ? { ...owned } : await this.store.get(tenantId, id);
    // Another tenant's job, or a kind the caller's permission does not cover, is simply not found.
    if (!job || job.tenantId !== tenantId || !kinds.includes(job.kind)) throw notFound("Backup job not found");
    return job;
  }

  recent(tenantId: string, kinds: BackupJobKind[], limit: number): Promise<BackupJob[]> {
    return this.store.recent(tenantId, kinds, limit);
  }

  /** Calls `fn` with every later change of the job; returns the unsubscribe function. */
  listen(id: string, fn: Listener): () => void {
    let set = this.#listeners.get(id);
    if (!set) {
      set = new Set();
      this.#listeners.set(id, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#listeners.delete(id);
    };
  }
}

const hubs = new WeakMap<object, BackupJobHub>();

/** One hub per API instance (per database client). */
export function jobHub(deps: HubDeps): BackupJobHub {
  let hub = hubs.get(deps.db);
  if (!hub) {
    hub = new BackupJobHub(deps);
    hubs.set(deps.db, hub);
  }
  return hub;
}

/** Releases the instance's job lock (bootstrap's close); no-op when no hub was made. */
export async function closeJobHub(deps: Pick<AppDeps, "db">): Promise<void> {
  await hubs.get(deps.db)?.store.close();
  hubs.delete(deps.db);
}

/**
 * At start-up: jobs left queued or running by instances that are gone become `interrupted`, and
 * the staging schemas of their restores are dropped. Takes this instance's lock first, so an
 * instance starting beside it never mistakes it for a dead one.
 */
export async function sweepInterruptedJobs(deps: HubDeps): Promise<void> {
  const { interrupted, droppedSchemas } = await jobHub(deps).store.sweep();
  if (interrupted.length || droppedSchemas.length) {
    deps.logger.warn(
      { jobs: interrupted.map((j) => ({ id: j.id, kind: j.kind, tenantId: j.tenantId })), droppedSchemas },
      "jobs interrupted by a stopped instance marked; their staging schemas dropped",
    );
  }
}
