import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField } from "../../ui/Field";
import { formatBytes, formatDate } from "../../ui/format";
import { Modal } from "../../ui/Modal";
import { QuotaBar } from "../../ui/QuotaBar";
import { type Column, Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import type { Alert, Backup, BackupHealthRow, DryRunReport } from "../types";

const STATUS_TONE = { uploaded: "ok", pending_upload: "warn", failed: "bad" } as const;

/** Backup health across tenants: quota use, freshness, open alerts; force, pin and dry-run per archive. */
export default function BackupsPage() {
  const [error, setError] = createSignal<unknown>();
  const [alertScope, setAlertScope] = createSignal<"open" | "all">("open");
  const [selected, setSelected] = createSignal<BackupHealthRow>();
  const [report, setReport] = createSignal<{ backup: Backup; report: DryRunReport }>();
  const [busy, setBusy] = createSignal<string>();

  const [health, { refetch: refetchHealth }] = createResource(() => unwrap(api.GET("/api/saas/backups/health")));
  const [alerts, { refetch: refetchAlerts }] = createResource(alertScope, (status) =>
    unwrap(api.GET("/api/saas/backups/alerts", { params: { query: { status } } })),
  );
  const [backups, { refetch: refetchBackups }] = createResource(selected, (row) =>
    unwrap(api.GET("/api/saas/backups/tenants/{id}", { params: { path: { id: row.tenantId } } })),
  );
  const slugOf = (tenantId: string | null) =>
    health()?.items.find((h) => h.tenantId === tenantId)?.slug ?? (tenantId ? tenantId.slice(0, 8) : "cluster");

  const act = async (key: string, label: string, call: () => Promise<unknown>) => {
    setBusy(key);
    setError(undefined);
    try {
      await call();
      toast(label);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  const force = (row: BackupHealthRow) =>
    act(`force:${row.tenantId}`, `Backup of ${row.slug} started`, async () => {
      await unwrap(api.POST("/api/saas/backups/tenants/{id}/backup", { params: { path: { id: row.tenantId } } }));
      await Promise.all([refetchHealth(), selected()?.tenantId === row.tenantId ? refetchBackups() : undefined]);
    });
  const pin = (b: Backup) =>
    act(`pin:${b.id}`, b.pinned ? "Unpinned" : "Pinned", async () => {
      const path = b.pinned ? "/api/saas/backups/{id}/unpin" : "/api/saas/backups/{id}/pin";
      await unwrap(api.POST(path, { params: { path: { id: b.id } } }));
      await refetchBackups();
    });
  const dryRun = (b: Backup) =>
    act(`dry:${b.id}`, "Dry-run finished", async () => {
      const res = await unwrap(api.POST("/api/saas/backups/{id}/dry-run", { params: { path: { id: b.id } } }));
      setReport({ backup: b, report: res.report });
    });
  const resolve = (a: Alert) =>
    act(`alert:${a.id}`, "Alert resolved", async () => {
      await unwrap(api.POST("/api/saas/backups/alerts/{id}/resolve", { params: { path: { id: a.id } } }));
      await Promise.all([refetchAlerts(), refetchHealth()]);
    });

  const healthColumns: Column<BackupHealthRow>[] = [
    { key: "slug", label: "Tenant" },
    { key: "plan", label: "Plan" },
    {
      key: "usedBytes",
      label: "Quota",
      render: (r) => <QuotaBar used={r.usedBytes} limit={r.quotaBytes} label="Used" />,
    },
    { key: "lastBackupAt", label: "Last backup", render: (r) => formatDate(r.lastBackupAt) },
    { key: "pendingUploads", label: "Pending uploads" },
    {
      key: "openAlerts",
      label: "Alerts",
      render: (r) => <Badge tone={r.openAlerts > 0 ? "bad" : "ok"}>{r.openAlerts}</Badge>,
    },
    {
      key: "actions",
      label: "Actions",
      render: (r) => (
        <div class="row-actions">
          <button type="button" disabled={busy() === `force:${r.tenantId}`} onClick={() => void force(r)}>
            Force backup
          </button>
          <button type="button" onClick={() => setSelected(r)} aria-label={`Archives of ${r.slug}`}>
            Archives
          </button>
        </div>
      ),
    },
  ];

  const backupColumns: Column<Backup>[] = [
    { key: "createdAt", label: "Created", render: (b) => formatDate(b.createdAt) },
    { key: "kind", label: "Kind" },
    {
      key: "status",
      label: "Status",
      render: (b) => <Badge tone={STATUS_TONE[b.status]}>{b.status.replace("_", " ")}</Badge>,
    },
    { key: "sizeBytes", label: "Size", render: (b) => formatBytes(b.sizeBytes) },
    { key: "schemaVersion", label: "Schema" },
    { key: "pinned", label: "Pinned", render: (b) => (b.pinned ? "yes" : "no") },
    {
      key: "actions",
      label: "Actions",
      render: (b) => (
        <div class="row-actions">
          <button type="button" disabled={busy() === `pin:${b.id}`} onClick={() => void pin(b)}>
            {b.pinned ? "Unpin" : "Pin"}
          </button>
          <button
            type="button"
            disabled={b.status !== "uploaded" || busy() === `dry:${b.id}`}
            onClick={() => void dryRun(b)}
          >
            {busy() === `dry:${b.id}` ? "Checking…" : "Dry-run restore"}
          </button>
        </div>
      ),
    },
  ];

  return (
    <section>
      <h1>Backup health</h1>
      <ErrorBanner error={error() ?? health.error} onDismiss={() => setError(undefined)} />
      <Table
        caption="Per tenant"
        columns={healthColumns}
        rows={health.latest?.items ?? []}
        rowKey={(r) => r.slug}
        loading={health.loading}
      />

      <Show when={selected()}>
        {(row) => (
          <div class="console-section">
            <div class="toolbar">
              <h2>Archives of {row().slug}</h2>
              <button type="button" onClick={() => setSelected(undefined)}>
                Close
              </button>
            </div>
            <ErrorBanner error={backups.error} />
            <Table
              columns={backupColumns}
              rows={backups.latest?.items ?? []}
              rowKey={(b) => b.id}
              loading={backups.loading}
              empty="No backups yet."
            />
          </div>
        )}
      </Show>

      <div class="console-section">
        <div class="toolbar">
          <h2>Alerts</h2>
          <SelectField
            label="Show"
            options={[
              { value: "open", label: "Open alerts" },
              { value: "all", label: "All alerts" },
            ]}
            value={alertScope()}
            onChange={(e) => setAlertScope(e.currentTarget.value as "open" | "all")}
          />
        </div>
        <ErrorBanner error={alerts.error} />
        <Table
          columns={[
            { key: "createdAt", label: "When", render: (a: Alert) => formatDate(a.createdAt) },
            { key: "tenantId", label: "Tenant", render: (a: Alert) => slugOf(a.tenantId) },
            { key: "kind", label: "Kind", render: (a: Alert) => a.kind.replaceAll("_", " ") },
            { key: "message", label: "Message" },
            {
              key: "actions",
              label: "",
              render: (a: Alert) => (
                <Show when={!a.resolvedAt} fallback={<span class="muted">resolved {formatDate(a.resolvedAt)}</span>}>
                  <button type="button" disabled={busy() === `alert:${a.id}`} onClick={() => void resolve(a)}>
                    Resolve
                  </button>
                </Show>
              ),
            },
          ]}
          rows={alerts.latest?.items ?? []}
          rowKey={(a) => a.id}
          loading={alerts.loading}
          empty="No alerts."
        />
      </div>

      <Show when={report()}>
        {(r) => (
          <Modal title="Dry-run restore" onClose={() => setReport(undefined)}>
            <p>
              {r().backup.filename}:{" "}
              <Badge tone={r().report.ok ? "ok" : "bad"}>{r().report.ok ? "restorable" : "problems found"}</Badge>
            </p>
            <p class="muted">
              Restored into a scratch schema at version {r().report.schemaVersion}
              {r().report.migrated ? ", then migrated to the current version" : ""}, compared, and dropped.
            </p>
            <Table
              caption="Rows per table"
              columns={[
                { key: "name", label: "Table" },
                { key: "expectedRows", label: "In archive" },
                { key: "actualRows", label: "Restored" },
                {
                  key: "checksumMatches",
                  label: "Checksum",
                  render: (t: DryRunReport["tables"][number]) =>
                    t.checksumMatches === null ? "—" : t.checksumMatches ? "matches" : "differs",
                },
              ]}
              rows={r().report.tables}
              rowKey={(t) => t.name}
            />
            <div class="actions">
              <button type="button" class="primary" onClick={() => setReport(undefined)}>
                Close
              </button>
            </div>
          </Modal>
        )}
      </Show>
    </section>
  );
}
