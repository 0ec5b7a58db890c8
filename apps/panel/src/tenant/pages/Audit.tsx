import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { Table } from "../../ui/Table";

interface Filters {
  action: string;
  entityType: string;
  from: string;
  to: string;
}

/** The tenant's audit log, newest first, with keyset paging ("Older") and filters. */
export default function AuditPage() {
  const [filters, setFilters] = createSignal<Filters>({ action: "", entityType: "", from: "", to: "" });
  const [cursors, setCursors] = createSignal<number[]>([]);
  const [draft, setDraft] = createSignal<Filters>(filters());
  const [data] = createResource(
    () => ({ f: filters(), cursor: cursors().at(-1) }),
    ({ f, cursor }) =>
      unwrap(
        api.GET("/api/audit-logs", {
          params: {
            query: {
              limit: 50,
              cursor,
              action: f.action || undefined,
              entityType: f.entityType || undefined,
              from: f.from || undefined,
              to: f.to || undefined,
            } as never,
          },
        }),
      ),
  );
  const apply = (e: Event) => {
    e.preventDefault();
    setCursors([]);
    setFilters(draft());
  };
  const set = (k: keyof Filters) => (e: { currentTarget: HTMLInputElement }) =>
    setDraft({ ...draft(), [k]: e.currentTarget.value });
  return (
    <section>
      <h1>Audit log</h1>
      <form class="toolbar" onSubmit={apply} aria-label="Filters">
        <TextField label="Action" placeholder="plan.create" value={draft().action} onInput={set("action")} />
        <TextField
          label="Entity type"
          placeholder="subscriber"
          value={draft().entityType}
          onInput={set("entityType")}
        />
        <TextField label="From" type="date" value={draft().from} onInput={set("from")} />
        <TextField label="To" type="date" value={draft().to} onInput={set("to")} />
        <button type="submit" class="primary">
          Filter
        </button>
      </form>
      <ErrorBanner error={data.error} />
      <Table
        caption="Audit entries"
        columns={[
          { key: "createdAt", label: "When", render: (e) => formatDate(e.createdAt) },
          { key: "actor", label: "Who" },
          { key: "action", label: "Action" },
          { key: "entity", label: "Entity", render: (e) => `${e.entityType}${e.entityId ? ` ${e.entityId}` : ""}` },
          { key: "ip", label: "IP" },
        ]}
        rows={data.latest?.items ?? []}
        rowKey={(e) => String(e.id)}
        loading={data.loading}
        empty="No entries match."
      />
      <div class="actions" style={{ "margin-top": "0.5rem" }}>
        <Show when={cursors().length > 0}>
          <button type="button" onClick={() => setCursors(cursors().slice(0, -1))}>
            Newer
          </button>
        </Show>
        <Show when={data.latest?.nextCursor}>
          {(next) => (
            <button type="button" onClick={() => setCursors([...cursors(), next()])}>
              Older
            </button>
          )}
        </Show>
      </div>
    </section>
  );
}
