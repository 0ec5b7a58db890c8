import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { type Column, Table } from "../../ui/Table";
import type { AuditRow } from "../types";
import { TenantLog } from "./TenantLog";

/**
 * Operator actions across every tenant, newest first, filtered by tenant and action; with a tenant
 * chosen, that tenant's own log follows.
 */
export default function AuditPage() {
  const [tenantId, setTenantId] = createSignal("");
  const [action, setAction] = createSignal("");
  const [filters, setFilters] = createSignal<{ tenantId?: string; action?: string }>({});
  const [rows, setRows] = createSignal<AuditRow[]>([]);
  const [cursor, setCursor] = createSignal<number | null>(null);
  const [error, setError] = createSignal<unknown>();
  const [loading, setLoading] = createSignal(false);

  const [tenants] = createResource(() =>
    unwrap(api.GET("/api/saas/tenants", { params: { query: { limit: 100, sort: "slug", order: "asc" } } })),
  );
  const slugOf = (id: string | null) =>
    id ? (tenants()?.items.find((t) => t.id === id)?.slug ?? id.slice(0, 8)) : "—";

  const load = async (more: boolean) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await unwrap(
        api.GET("/api/saas/audit", {
          params: {
            query: { limit: 50, ...filters(), ...(more && cursor() ? { cursor: cursor() ?? undefined } : {}) },
          },
        }),
      );
      setRows(more ? [...rows(), ...page.items] : page.items);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };
  void load(false);

  const apply = (e: Event) => {
    e.preventDefault();
    setFilters({
      ...(tenantId() ? { tenantId: tenantId() } : {}),
      ...(action().trim() ? { action: action().trim() } : {}),
    });
    void load(false);
  };

  const columns: Column<AuditRow>[] = [
    { key: "createdAt", label: "When", render: (r) => formatDate(r.createdAt) },
    { key: "actor", label: "Operator" },
    { key: "action", label: "Action" },
    { key: "tenantId", label: "Tenant", render: (r) => slugOf(r.tenantId) },
    {
      key: "details",
      label: "Details",
      render: (r) => <code class="audit-details">{JSON.stringify(r.details)}</code>,
    },
    { key: "ip", label: "Address" },
  ];

  return (
    <section>
      <h1>Audit</h1>
      <form class="console-filters" onSubmit={apply} aria-label="Audit filters">
        <SelectField
          label="Tenant"
          placeholder="All tenants"
          options={(tenants()?.items ?? []).map((t) => ({ value: t.id, label: t.slug }))}
          value={tenantId()}
          onChange={(e) => setTenantId(e.currentTarget.value)}
        />
        <TextField label="Action" placeholder="e.g. tenant.status.suspended" value={action()} onValue={setAction} />
        <button type="submit" class="primary">
          Apply
        </button>
      </form>
      <ErrorBanner error={error()} onDismiss={() => setError(undefined)} />
      <Table columns={columns} rows={rows()} rowKey={(r) => String(r.id)} loading={loading()} empty="No entries." />
      <Show when={cursor()}>
        <button type="button" disabled={loading()} onClick={() => void load(true)}>
          {loading() ? "Loading…" : "Load more"}
        </button>
      </Show>
      <Show when={filters().tenantId}>{(id) => <TenantLog tenantId={id()} slug={slugOf(id())} />}</Show>
    </section>
  );
}
