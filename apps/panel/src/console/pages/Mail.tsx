import { createResource, createSignal } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { type Column, Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";

type MailRow = ApiItem<"/api/saas/mail-outbox">;

const TONE = { queued: "warn", sent: "ok", failed: "bad" } as const;

/** The system outbox (welcome, reset, alerts, workspace links): what left, what waits, what failed and why. */
export default function MailPage() {
  const [status, setStatus] = createSignal("");
  const [page, setPage] = createSignal(1);
  const [error, setError] = createSignal<unknown>();
  const [mails, { refetch }] = createResource(
    () => ({ status: status(), page: page() }),
    (q) =>
      unwrap(
        api.GET("/api/saas/mail-outbox", {
          params: {
            query: { page: q.page, limit: 50, ...(q.status ? { status: q.status as MailRow["status"] } : {}) },
          },
        }),
      ),
  );
  const retry = async (m: MailRow) => {
    setError(undefined);
    try {
      await unwrap(api.POST("/api/saas/mail-outbox/{id}/retry", { params: { path: { id: m.id } } }));
      toast(`Queued again: ${m.subject}`);
      await refetch();
    } catch (err) {
      setError(err);
    }
  };
  const columns: Column<MailRow>[] = [
    { key: "createdAt", label: "Queued", render: (m) => formatDate(m.createdAt) },
    { key: "kind", label: "Kind" },
    { key: "to", label: "To" },
    { key: "subject", label: "Subject" },
    { key: "status", label: "Status", render: (m) => <Badge tone={TONE[m.status]}>{m.status}</Badge> },
    { key: "attempts", label: "Attempts" },
    { key: "lastError", label: "Last error", render: (m) => m.lastError ?? "—" },
    {
      key: "actions",
      label: "",
      render: (m) =>
        m.status === "failed" ? (
          <button type="button" onClick={() => void retry(m)}>
            Retry
          </button>
        ) : (
          ""
        ),
    },
  ];
  return (
    <section>
      <h1>Outgoing mail</h1>
      <form class="console-filters" aria-label="Mail filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Status"
          placeholder="Any status"
          options={[
            { value: "queued", label: "Queued" },
            { value: "sent", label: "Sent" },
            { value: "failed", label: "Failed" },
          ]}
          value={status()}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setPage(1);
          }}
        />
      </form>
      <ErrorBanner error={error() ?? mails.error} />
      <Table
        columns={columns}
        rows={mails.latest?.items ?? []}
        rowKey={(m) => m.id}
        loading={mails.loading}
        empty="No mail."
        page={
          mails.latest ? { page: mails.latest.page, limit: mails.latest.limit, total: mails.latest.total } : undefined
        }
        onPage={setPage}
      />
    </section>
  );
}
