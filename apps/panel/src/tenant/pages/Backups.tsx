import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { ApiError, api, downloadFile, unwrap } from "../../api/client";
import type { ApiItem, Backup } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge, type BadgeTone } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { formatBytes, formatDate } from "../../ui/format";
import { Modal } from "../../ui/Modal";
import { QuotaBar } from "../../ui/QuotaBar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { session } from "../session";

type Schedule = ApiItem<"/api/backups/schedules">;
type Job = ApiItem<"/api/backups/restores">;
const isOpen = (j: Job | undefined) => j?.status === "queued" || j?.status === "running";
/** How long the page keeps telling about an interrupted restore. */
const INTERRUPTED_NOTICE_MS = 7 * 24 * 3600_000;
type Frequency = "hourly" | "daily" | "weekly" | "monthly";

const STATUS: Record<Backup["status"], { label: string; tone: BadgeTone }> = {
  pending_upload: { label: "pending upload", tone: "warn" },
  uploaded: { label: "uploaded", tone: "ok" },
  failed: { label: "failed", tone: "bad" },
};
const PHASES = ["queued", "verify", "load", "migrate", "done"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Follows a restore job until it ends, then tells the user to sign in again (tokens were replaced). */
function RestoreProgress(props: { jobId: string; onClose: () => void }) {
  const [job, setJob] = createSignal<Job>();
  const [error, setError] = createSignal<unknown>();
  const poll = async () => {
    try {
      const res = await unwrap(api.GET("/api/backups/restores/{jobId}", { params: { path: { jobId: props.jobId } } }));
      setJob(res.job);
      if (!isOpen(res.job)) clearInterval(timer);
    } catch (err) {
      clearInterval(timer);
      // A committed restore replaces every session: the 401 is how the old token learns it is done.
      if (err instanceof ApiError && err.status === 401) {
        session.setNotice("The backup was restored and everyone was signed out. Sign in again.");
        return;
      }
      setError(err);
    }
  };
  const timer = setInterval(poll, 1000);
  void poll();
  onCleanup(() => clearInterval(timer));
  const step = () => Math.max(0, PHASES.indexOf(job()?.phase ?? "queued"));
  return (
    <Modal title="Restoring backup" onClose={props.onClose}>
      <ErrorBanner
        error={error() ?? (job()?.status === "failed" ? new Error(job()?.error ?? "Restore failed") : undefined)}
      />
      <Show when={job()?.status === "interrupted"}>
        <InterruptedNotice job={job() as Job} />
      </Show>
      <Show
        when={job()?.status === "succeeded"}
        fallback={
          <div hidden={job()?.status === "interrupted" || job()?.status === "failed"}>
            <label for="restore-progress">
              {job()?.phase ?? "queued"}
              {job()?.table ? ` (${job()?.table})` : ""}
            </label>
            <progress id="restore-progress" class="progress" max={PHASES.length - 1} value={step()} />
          </div>
        }
      >
        <div role="status" data-testid="restore-done">
          <p>The workspace was restored. Sign in again to continue.</p>
          <div class="actions">
            <button
              type="button"
              class="primary"
              onClick={() => {
                session.setNotice("The backup was restored. Sign in again.");
                session.signOut();
              }}
            >
              Sign in again
            </button>
          </div>
        </div>
      </Show>
    </Modal>
  );
}

/**
 * A restore whose API process stopped (restart, crash) before it committed: the server swaps the
 * data in one transaction, so nothing was replaced, and the user only needs to start it again.
 */
function InterruptedNotice(props: {
  job: Job;
  backup?: Backup | undefined;
  onRetry?: () => void;
  onDismiss?: () => void;
}) {
  return (
    <div class="banner banner-error" role="alert" data-testid="restore-interrupted">
      <div>
        <strong>The restore started {formatDate(props.job.startedAt)} was interrupted</strong>
        {props.backup ? ` (backup of ${formatDate(props.backup.createdAt)})` : ""}. The server stopped before it
        finished, so nothing was replaced: the workspace still holds the data it had before. Start the restore again
        when you are ready{props.onRetry ? "" : " from the list of backups"}.
      </div>
      <div class="actions">
        <Show when={props.onRetry}>
          <button type="button" class="primary" onClick={() => props.onRetry?.()}>
            Restore again
          </button>
        </Show>
        <Show when={props.onDismiss}>
          <button type="button" class="link" onClick={() => props.onDismiss?.()} aria-label="Dismiss">
            ×
          </button>
        </Show>
      </div>
    </div>
  );
}

function ScheduleForm(props: { hourly: boolean; onDone: () => void; onClose: () => void }) {
  const [frequency, setFrequency] = createSignal<Frequency>("daily");
  const [time, setTime] = createSignal("02:00");
  const [dayOfWeek, setDayOfWeek] = createSignal("1");
  const [dayOfMonth, setDayOfMonth] = createSignal("1");
  const [timeError, setTimeError] = createSignal<string>();
  const options = () =>
    (["hourly", "daily", "weekly", "monthly"] as const)
      .filter((f) => f !== "hourly" || props.hourly)
      .map((f) => ({ value: f, label: f[0]?.toUpperCase() + f.slice(1) }));
  const submit = async () => {
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time())) return setTimeError("Use HH:MM (24 h).");
    setTimeError(undefined);
    await unwrap(
      api.POST("/api/backups/schedules", {
        body: {
          frequency: frequency(),
          timeOfDay: time(),
          dayOfWeek: frequency() === "weekly" ? Number(dayOfWeek()) : null,
          dayOfMonth: frequency() === "monthly" ? Number(dayOfMonth()) : null,
        },
      }),
    );
    toast("Schedule added");
    props.onDone();
  };
  return (
    <FormDialog title="New backup schedule" submitLabel="Add schedule" onSubmit={submit} onClose={props.onClose}>
      <SelectField
        label="Frequency"
        value={frequency()}
        options={options()}
        onChange={(e) => setFrequency(e.currentTarget.value as Frequency)}
      />
      <TextField label="Time of day" type="time" value={time()} onValue={setTime} error={timeError()} />
      <Show when={frequency() === "weekly"}>
        <SelectField
          label="Day of week"
          value={dayOfWeek()}
          options={DAYS.map((d, i) => ({ value: String(i), label: d }))}
          onChange={(e) => setDayOfWeek(e.currentTarget.value)}
        />
      </Show>
      <Show when={frequency() === "monthly"}>
        <SelectField
          label="Day of month"
          value={dayOfMonth()}
          options={Array.from({ length: 28 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))}
          onChange={(e) => setDayOfMonth(e.currentTarget.value)}
        />
      </Show>
    </FormDialog>
  );
}

export default function BackupsPage() {
  const [list, { refetch }] = createResource(() => unwrap(api.GET("/api/backups")));
  const [schedules, { refetch: refetchSchedules }] = createResource(() => unwrap(api.GET("/api/backups/schedules")));
  const [plan] = createResource(() => unwrap(api.GET("/api/site/plan")));
  // The latest restore, so one cut short by a restart is explained when the user comes back.
  const [restores, { refetch: refetchRestores }] = createResource(
    () => session.can("backups.restore"),
    () => unwrap(api.GET("/api/backups/restores")).catch(() => ({ items: [] as Job[] })),
  );
  const [dismissed, setDismissed] = createSignal<string>();
  const interrupted = () => {
    const last = restores()?.items[0];
    if (last?.status !== "interrupted" || last.id === dismissed()) return undefined;
    return Date.now() - Date.parse(last.finishedAt ?? last.startedAt) < INTERRUPTED_NOTICE_MS ? last : undefined;
  };
  const backupOf = (j: Job) => list()?.items.find((b) => b.id === j.backupId);
  const actions = createActionError();
  const [busy, setBusy] = createSignal(false);
  const [restoring, setRestoring] = createSignal<Backup>();
  const [jobId, setJobId] = createSignal<string>();
  const [adding, setAdding] = createSignal(false);

  const createNow = async () => {
    setBusy(true);
    await actions.run(async () => {
      await unwrap(api.POST("/api/backups"));
      toast("Backup created");
      void refetch();
    });
    setBusy(false);
  };
  const startRestore = (b: Backup) =>
    actions.run(async () => {
      const res = await unwrap(api.POST("/api/backups/{id}/restore", { params: { path: { id: b.id } } }));
      // Close the question before the progress dialog opens so focus lands in the new dialog.
      setRestoring(undefined);
      setJobId(res.job.id);
      void refetchRestores();
    });
  const removeSchedule = (s: Schedule) =>
    actions.run(async () => {
      await unwrap(api.DELETE("/api/backups/schedules/{id}", { params: { path: { id: s.id } } }));
      void refetchSchedules();
    });

  return (
    <section>
      <h1>Backups</h1>
      <ErrorBanner error={actions.error() ?? list.error} onDismiss={actions.dismiss} />
      <Show when={list()}>
        {(l) => <QuotaBar label="Backup storage" used={l().quota.usedBytes} limit={l().quota.limitBytes} />}
      </Show>
      <Show when={interrupted()}>
        {(j) => (
          <InterruptedNotice
            job={j()}
            backup={backupOf(j())}
            onRetry={backupOf(j()) ? () => setRestoring(backupOf(j())) : undefined}
            onDismiss={() => setDismissed(j().id)}
          />
        )}
      </Show>
      <div class="toolbar">
        <button type="button" class="primary" disabled={busy()} onClick={createNow}>
          {busy() ? "Creating backup…" : "Create backup now"}
        </button>
      </div>
      <Table
        caption="Backups"
        columns={[
          { key: "createdAt", label: "Created", render: (b) => formatDate(b.createdAt) },
          { key: "kind", label: "Kind" },
          { key: "sizeBytes", label: "Size", render: (b) => formatBytes(b.sizeBytes) },
          {
            key: "status",
            label: "Status",
            render: (b) => (
              <span title={b.error ?? undefined}>
                <Badge tone={STATUS[b.status].tone}>{STATUS[b.status].label}</Badge>
              </span>
            ),
          },
          {
            key: "actions",
            label: "Actions",
            render: (b) => (
              <div class="actions">
                <button
                  type="button"
                  onClick={() => actions.run(() => downloadFile(`/api/backups/${b.id}/download`, b.filename))}
                  aria-label={`Download backup of ${formatDate(b.createdAt)}`}
                >
                  Download
                </button>
                <button
                  type="button"
                  disabled={b.status === "failed"}
                  onClick={() => setRestoring(b)}
                  aria-label={`Restore backup of ${formatDate(b.createdAt)}`}
                >
                  Restore
                </button>
              </div>
            ),
          },
        ]}
        rows={list()?.items ?? []}
        rowKey={(b) => b.id}
        loading={list.loading}
        empty="No backups yet."
      />
      <h2>Schedules</h2>
      <Show when={plan() && !plan()?.hourlyBackups}>
        <p class="muted">Hourly backups are not included in the {plan()?.name} plan.</p>
      </Show>
      <ErrorBanner error={schedules.error} />
      <ul>
        <For each={schedules()?.items ?? []} fallback={<li class="muted">No schedules.</li>}>
          {(s) => (
            <li>
              {s.frequency} at {s.timeOfDay}
              {s.dayOfWeek !== null ? ` on ${DAYS[s.dayOfWeek]}` : ""}
              {s.dayOfMonth !== null ? ` on day ${s.dayOfMonth}` : ""} — next {formatDate(s.nextRunAt)}{" "}
              <button type="button" onClick={() => removeSchedule(s)} aria-label={`Remove ${s.frequency} schedule`}>
                Remove
              </button>
            </li>
          )}
        </For>
      </ul>
      <button type="button" onClick={() => setAdding(true)}>
        Add schedule
      </button>
      <Show when={adding()}>
        <ScheduleForm
          hourly={plan()?.hourlyBackups ?? false}
          onClose={() => setAdding(false)}
          onDone={() => {
            setAdding(false);
            void refetchSchedules();
          }}
        />
      </Show>
      <ConfirmAction
        item={restoring()}
        title="Restore backup"
        message={(b) => (
          <p>
            Restore the backup of {formatDate(b.createdAt)}? This replaces all of this workspace's data — subscribers,
            plans, NAS devices, invoices, users and settings — with the contents of the backup. Everyone is signed out.
          </p>
        )}
        confirmLabel="Restore"
        typed="RESTORE"
        danger
        action={startRestore}
        onClose={() => setRestoring(undefined)}
      />
      <Show when={jobId()}>{(id) => <RestoreProgress jobId={id()} onClose={() => setJobId(undefined)} />}</Show>
    </section>
  );
}
