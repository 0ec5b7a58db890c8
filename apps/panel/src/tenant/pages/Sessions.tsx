import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatBytes, formatDate } from "../../ui/format";
import { ConfirmDialog } from "../../ui/Modal";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";

type Session = ApiItem<"/api/sessions">;

export default function SessionsPage() {
  const [page, setPage] = createSignal(1);
  const [sessions, { refetch }] = createResource(page, (p) =>
    unwrap(api.GET("/api/sessions", { params: { query: { page: p, limit: 25, online: "true" } } })),
  );
  const [target, setTarget] = createSignal<Session>();
  const [error, setError] = createSignal<unknown>();
  // The API sends an RFC 5176 Disconnect-Request to the session's NAS and waits for its answer;
  // a NAK or silence comes back as an error whose message says which.
  const disconnect = async (s: Session) => {
    try {
      const res = await unwrap(api.POST("/api/sessions/{id}/disconnect", { params: { path: { id: s.id } } }));
      const tries = res.disconnected.attempts === 1 ? "" : ` after ${res.disconnected.attempts} attempts`;
      toast(`The NAS ended ${s.username}'s session (ACK${tries})`);
      void refetch();
    } catch (err) {
      setError(err);
    } finally {
      setTarget(undefined);
    }
  };
  return (
    <section>
      <h1>Online sessions</h1>
      <ErrorBanner error={error() ?? sessions.error} onDismiss={() => setError(undefined)} />
      <Table
        caption="Sessions online now"
        columns={[
          { key: "username", label: "Username" },
          { key: "framedIpAddress", label: "IP" },
          { key: "callingStationId", label: "MAC" },
          { key: "nasIpAddress", label: "NAS" },
          { key: "startTime", label: "Since", render: (s) => formatDate(s.startTime) },
          {
            key: "traffic",
            label: "Down / up",
            render: (s) => `${formatBytes(s.outputOctets)} / ${formatBytes(s.inputOctets)}`,
          },
          {
            key: "actions",
            label: "Actions",
            render: (s) => (
              <button type="button" onClick={() => setTarget(s)} aria-label={`Disconnect ${s.username}`}>
                Disconnect
              </button>
            ),
          },
        ]}
        rows={sessions.latest?.items ?? []}
        rowKey={(s) => String(s.id)}
        page={{ page: page(), limit: 25, total: sessions.latest?.total ?? 0 }}
        onPage={setPage}
        loading={sessions.loading}
        empty="Nobody is online."
      />
      <Show when={target()}>
        {(s) => (
          <ConfirmDialog
            title="Disconnect session"
            message={`Ask the NAS at ${s().nasIpAddress} to end ${s().username}'s session? The subscriber stays enabled and may connect again; disable them from Subscribers to keep them out.`}
            confirmLabel="Disconnect"
            danger
            onClose={() => setTarget(undefined)}
            onConfirm={() => disconnect(s())}
          />
        )}
      </Show>
    </section>
  );
}
