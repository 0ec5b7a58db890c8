import { randomUUID } from "node:crypto";
import type { SharedState } from "@proxpanel/tenancy";
import { LRUCache } from "lru-cache";
import { notFound } from "../../errors.ts";

export type BackupJobKind = "backup" | "restore" | "restore_upload";

export interface BackupJob {
  id: string;
  kind: BackupJobKind;
  tenantId: string;
  /** The archive restored or created (null until a new backup is recorded, or for an upload). */
  backupId: string | null;
  status: "running" | "succeeded" | "failed";
  phase: "queued" | "dump" | "upload" | "verify" | "load" | "migrate" | "done";
  table: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const UPDATES = "backup-jobs:update";
const QUERIES = "backup-jobs:query";
/** How long an instance that never saw a job waits for the instance running it to answer. */
const QUERY_WAIT_MS = 1500;

type Listener = (job: BackupJob) => void;

/**
 * Job progress shared by every API instance through the shared state's pub/sub (Redis when
 * configured, in-process otherwise). The instance running a job owns it and publishes each change;
 * every instance keeps what it heard, and one that heard nothing (started later, or missed it) asks
 * the owners and waits briefly for the answer. A restart of the owner loses the report, never the
 * data: a restore is one transaction.
 */
export class BackupJobHub {
  readonly #state: SharedState;
  readonly #owned = new LRUCache<string, BackupJob>({ max: 1000, ttl: 24 * 3600_000 });
  readonly #heard = new LRUCache<string, BackupJob>({ max: 5000, ttl: 24 * 3600_000 });
  readonly #listeners = new Map<string, Set<Listener>>();
  #ready: Promise<void> | undefined;

  constructor(state: SharedState) {
    this.#state = state;
  }

  /** Subscribes once per instance; both channels carry only job ids and public job fields. */
  ready(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#state.subscribe(UPDATES, (msg) => this.#onUpdate(msg));
      await this.#state.subscribe(QUERIES, (id) => {
        const job = this.#owned.get(id);
        if (job) void this.#publish(job);
      });
    })();
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
    this.#heard.set(job.id, job);
    for (const l of this.#listeners.get(job.id) ?? []) l(job);
  }

  async #publish(job: BackupJob): Promise<void> {
    // Local listeners hear it through the subscription too, in order with other instances' news.
    await this.#state.publish(UPDATES, JSON.stringify(job)).catch(() => undefined);
  }

  async start(init: Pick<BackupJob, "kind" | "tenantId" | "backupId">): Promise<BackupJob> {
    await this.ready();
    const job: BackupJob = {
      ...init,
      id: randomUUID(),
      status: "running",
      phase: "queued",
      table: null,
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.#owned.set(job.id, job);
    this.#heard.set(job.id, { ...job });
    await this.#publish(job);
    return { ...job };
  }

  /** Applies a change to an owned job and tells every instance. */
  update(id: string, patch: Partial<Omit<BackupJob, "id" | "kind" | "tenantId">>): void {
    const job = this.#owned.get(id);
    if (!job) return;
    // Skip no-op updates: a COPY loop reports the same table many times.
    if (Object.entries(patch).every(([k, v]) => job[k as keyof BackupJob] === v)) return;
    Object.assign(job, patch);
    if (job.status !== "running") job.finishedAt ??= new Date().toISOString();
    this.#heard.set(id, { ...job });
    void this.#publish({ ...job });
  }

  /** The job as last heard, asking the other instances when this one never heard of it. */
  async get(tenantId: string, id: string, kinds: BackupJobKind[]): Promise<BackupJob> {
    await this.ready();
    let job = this.#owned.get(id) ?? this.#heard.get(id);
    if (!job) {
      job = await new Promise<BackupJob | undefined>((resolve) => {
        const done = (j: BackupJob | undefined) => {
          clearTimeout(timer);
          off();
          resolve(j);
        };
        const off = this.listen(id, done);
        const timer = setTimeout(() => done(undefined), QUERY_WAIT_MS);
        void this.#state.publish(QUERIES, id).catch(() => undefined);
      });
    }
    // Another tenant's job, or a kind the caller's permission does not cover, is simply not found.
    if (!job || job.tenantId !== tenantId || !kinds.includes(job.kind)) throw notFound("Backup job not found");
    return { ...job };
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

const hubs = new WeakMap<SharedState, BackupJobHub>();

/** One hub per API instance (per shared-state connection). */
export function jobHub(state: SharedState): BackupJobHub {
  let hub = hubs.get(state);
  if (!hub) {
    hub = new BackupJobHub(state);
    hubs.set(state, hub);
  }
  return hub;
}
