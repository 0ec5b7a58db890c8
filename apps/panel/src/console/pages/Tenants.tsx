import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { Badge, type BadgeTone } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { formatBytes, formatDate } from "../../ui/format";
import { type Column, Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import type { SortState } from "../../ui/table-logic";
import { CreateTenantDialog } from "../components/CreateTenantDialog";
import { EditTenantDialog } from "../components/EditTenantDialog";
import { PlacementDialog } from "../components/PlacementDialog";
import { TenantName } from "../components/TenantName";
import type { ConsoleTenant, TenantStatus } from "../types";
import { PLANS } from "../types";

type ServerSort = "created" | "slug" | "company" | "status" | "plan";
const SORTABLE = new Set<string>(["created", "slug", "company", "status", "plan"]);

export const STATUS_TONE: Record<TenantStatus, BadgeTone> = {
  active: "ok",
  suspended: "warn",
  migrated: "neutral",
  deleted: "bad",
};

/** Every tenant with its status, plan, usage and backup freshness; the operator's main screen. */
export default function TenantsPage() {
  const [search, setSearch] = createSignal("");
  const [status, setStatus] = createSignal<TenantStatus | "">("");
  const [plan, setPlan] = createSignal("");
  const [sort, setSort] = createSignal<SortState>({ key: "created", order: "desc" });
  const [page, setPage] = createSignal(1);
  const actions = createActionError();
  const [creating, setCreating] = createSignal(false);
  const [editing, setEditing] = createSignal<ConsoleTenant>();
  const [deleting, setDeleting] = createSignal<ConsoleTenant>();
  const [purging, setPurging] = createSignal<ConsoleTenant>();
  const [placing, setPlacing] = createSignal<ConsoleTenant>();
  const limit = 25;

  const query = () => ({
    page: page(),
    limit,
    sort: sort().key as ServerSort,
    order: sort().order,
    ...(search().trim() ? { search: search().trim() } : {}),
    ...(status() ? { status: status() as TenantStatus } : {}),
    ...(plan() ? { plan: plan() } : {}),
  });
  const [list, { refetch }] = createResource(query, (q) =>
    unwrap(api.GET("/api/saas/tenants", { params: { query: q } })),
  );

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  const onSearch = (v: string) => {
    clearTimeout(searchTimer);
    // Typing should not fire a query per key.
    searchTimer = setTimeout(() => {
      setSearch(v);
      setPage(1);
    }, 250);
  };

  const run = (label: string, call: () => Promise<unknown>) =>
    actions.run(async () => {
      await call();
      toast(label);
      await refetch();
    });
  const suspend = (t: ConsoleTenant) =>
    run(`${t.slug} suspended`, () =>
      unwrap(api.POST("/api/saas/tenants/{id}/suspend", { params: { path: { id: t.id } } })),
    );
  const resume = (t: ConsoleTenant) =>
    run(`${t.slug} resumed`, () =>
      unwrap(api.POST("/api/saas/tenants/{id}/resume", { params: { path: { id: t.id } } })),
    );

  const columns: Column<ConsoleTenant>[] = [
    {
      key: "slug",
      label: "Tenant",
      sortable: true,
      render: (t) => <TenantName companyName={t.companyName} slug={t.slug} />,
    },
    {
      key: "status",
      label: "Status",
      sortable: true,
      render: (t) => <Badge tone={STATUS_TONE[t.status]}>{t.status}</Badge>,
    },
    { key: "plan", label: "Plan", sortable: true },
    {
      key: "subscribers",
      label: "Subscribers / cap",
      render: (t) => (
        <span title={`${t.activeSubscribers} active`}>
          {t.subscribers} / {t.subscriberCap}
        </span>
      ),
    },
    {
      key: "storage",
      label: "Storage",
      render: (t) => (
        <span title={`database ${formatBytes(t.schemaBytes)}, backups ${formatBytes(t.backupBytes)}`}>
          {formatBytes(t.storageBytes)}
        </span>
      ),
    },
    { key: "lastBackupAt", label: "Last backup", render: (t) => formatDate(t.lastBackupAt) },
    { key: "schemaVersion", label: "Schema" },
    { key: "created", label: "Created", sortable: true, render: (t) => formatDate(t.createdAt) },
    {
      key: "actions",
      label: "Actions",
      render: (t) => (
        <div class="row-actions">
          <button type="button" onClick={() => setEditing(t)} aria-label={`Edit ${t.slug}`}>
            Edit
          </button>
          <button type="button" onClick={() => setPlacing(t)} aria-label={`Placement of ${t.slug}`}>
            Placement
          </button>
          <Show when={t.status === "active"}>
            <button type="button" onClick={() => void suspend(t)} aria-label={`Suspend ${t.slug}`}>
              Suspend
            </button>
          </Show>
          <Show when={t.status !== "active"}>
            <button type="button" onClick={() => void resume(t)} aria-label={`Resume ${t.slug}`}>
              Resume
            </button>
          </Show>
          <Show when={t.status !== "deleted"}>
            <button type="button" class="danger" onClick={() => setDeleting(t)} aria-label={`Delete ${t.slug}`}>
              Delete
            </button>
          </Show>
          <Show when={t.status === "deleted"}>
            <button type="button" class="danger" onClick={() => setPurging(t)} aria-label={`Purge ${t.slug}`}>
              Purge
            </button>
          </Show>
        </div>
      ),
    },
  ];

  return (
    <section>
      <div class="toolbar">
        <h1>Tenants</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New tenant
        </button>
      </div>
      <search class="console-filters">
        <TextField label="Search" type="search" placeholder="slug, company or domain" onValue={onSearch} />
        <SelectField
          label="Status"
          placeholder="Any status"
          options={(["active", "suspended", "deleted", "migrated"] as const).map((s) => ({ value: s, label: s }))}
          value={status()}
          onChange={(e) => {
            setStatus(e.currentTarget.value as TenantStatus | "");
            setPage(1);
          }}
        />
        <SelectField
          label="Plan"
          placeholder="Any plan"
          options={PLANS.map((p) => ({ value: p, label: p }))}
          value={plan()}
          onChange={(e) => {
            setPlan(e.currentTarget.value);
            setPage(1);
          }}
        />
      </search>
      <ErrorBanner error={actions.error() ?? list.error} onDismiss={actions.dismiss} />
      <Table
        caption="Tenants"
        columns={columns}
        rows={list.latest?.items ?? []}
        rowKey={(t) => t.slug}
        sort={sort()}
        onSort={(s) => {
          if (!SORTABLE.has(s.key)) return;
          setSort(s);
          setPage(1);
        }}
        page={list.latest ? { page: list.latest.page, limit: list.latest.limit, total: list.latest.total } : undefined}
        onPage={setPage}
        loading={list.loading}
        empty="No tenants match."
      />
      <Show when={creating()}>
        <CreateTenantDialog
          onClose={() => setCreating(false)}
          onCreated={(t) => {
            setCreating(false);
            toast(`${t.slug} created`);
            void refetch();
          }}
        />
      </Show>
      <Show when={editing()}>
        {(t) => (
          <EditTenantDialog
            tenant={t()}
            onClose={() => setEditing(undefined)}
            onSaved={() => {
              setEditing(undefined);
              toast("Tenant saved");
              void refetch();
            }}
          />
        )}
      </Show>
      <Show when={placing()}>{(t) => <PlacementDialog tenant={t()} onClose={() => setPlacing(undefined)} />}</Show>
      <ConfirmAction
        item={deleting()}
        title={(t) => `Delete ${t.slug}?`}
        message={() => (
          <p>The workspace stops answering at once and its data is kept until purged. Type the slug to confirm.</p>
        )}
        confirmLabel="Delete tenant"
        typed={(t) => t.slug}
        danger
        action={(t) =>
          run(`${t.slug} deleted`, () =>
            unwrap(api.DELETE("/api/saas/tenants/{id}", { params: { path: { id: t.id } } })),
          )
        }
        onClose={() => setDeleting(undefined)}
      />
      <ConfirmAction
        item={purging()}
        title={(t) => `Purge ${t.slug}?`}
        message={() => <p>This permanently removes the tenant's data from the cluster. It cannot be undone.</p>}
        confirmLabel="Purge for good"
        typed={(t) => t.slug}
        danger
        action={(t) =>
          run(`${t.slug} purged`, () =>
            unwrap(
              api.POST("/api/saas/tenants/{id}/purge", {
                params: { path: { id: t.id } },
                body: { confirmSlug: t.slug },
              }),
            ),
          )
        }
        onClose={() => setPurging(undefined)}
      />
      <p class="muted">Storage is the tenant's database schema plus its stored backups.</p>
    </section>
  );
}
