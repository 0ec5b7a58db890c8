import { createEffect, createSignal, on, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatDate } from "../../ui/format";
import { type Column, Table } from "../../ui/Table";

type TenantAuditRow = ApiItem<"/api/saas/audit/tenants/{tenantId}">;

const columns: Column<TenantAuditRow>[] = [
  { key: "createdAt", label: "When", render: (r) => formatDate(r.createdAt) },
  { key: "actor", label: "Who" },
  { key: "action", label: "Action" },
  { key: "entity", label: "On", render: (r) => `${r.entityType}${r.entityId ? ` ${r.entityId.slice(0, 8)}` : ""}` },
  { key: "details", label: "Details", render: (r) => <code class="audit-details">{JSON.stringify(r.details)}</code> },
  { key: "ip", label: "Address" },
];

/** One tenant's own audit log (its staff, subscribers and jobs), read-only, newest first. */
export function TenantLog(props: { tenantId: string; slug: string }) {
  const [rows, setRows] = createSignal<TenantAuditRow[]>([]);
  const [cursor, setCursor] = createSignal<number | null>(null);
  const [error, setError] = createSignal<unknown>();
  const [loading, setLoading] = createSignal(false);
  const load = async (more: boolean) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await unwrap(
        api.GET("/api/saas/audit/tenants/{tenantId}", {
          params: {
            path: { tenantId: props.tenantId },
            query: { limit: 50, ...(more && cursor() ? { cursor: cursor() ?? undefined } : {}) },
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
  createEffect(
    on(
      () => props.tenantId,
      () => void load(false),
    ),
  );
  return (
    <section aria-label="Inside the tenant" data-testid="tenant-log">
      <h2>Inside {props.slug} (the tenant's own log, read-only)</h2>
      <ErrorBanner error={error()} />
      <Table columns={columns} rows={rows()} rowKey={(r) => String(r.id)} loading={loading()} empty="No entries." />
      <Show when={cursor()}>
        <button type="button" disabled={loading()} onClick={() => void load(true)}>
          {loading() ? "Loading…" : "Load more"}
        </button>
      </Show>
    </section>
  );
}
