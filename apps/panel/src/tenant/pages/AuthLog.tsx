import { useSearchParams } from "@solidjs/router";
import { createResource, createSignal } from "solid-js";
import { api, unwrap } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { Table } from "../../ui/Table";

type ResultFilter = "" | "accept" | "reject";

/**
 * "Why can't this customer connect?": every answer RADIUS gave, newest first, with the reason in
 * plain words. Opened from a subscriber's row with its username filled in.
 */
export default function AuthLogPage() {
  const [params, setParams] = useSearchParams();
  const initial = typeof params.username === "string" ? params.username : "";
  const [username, setUsername] = createSignal(initial);
  const [result, setResult] = createSignal<ResultFilter>("");
  const [page, setPage] = createSignal(1);
  const query = () => ({ username: username().trim(), result: result(), page: page() });
  const [lines] = createResource(query, (q) =>
    unwrap(
      api.GET("/api/auth-logs", {
        params: {
          query: { search: q.username || undefined, result: q.result || undefined, page: q.page, limit: 25 },
        },
      }),
    ),
  );
  return (
    <section>
      <h1>Connection log</h1>
      <p class="muted">Every sign-in attempt from your routers and why it was refused, in your workspace's time.</p>
      <ErrorBanner error={lines.error} />
      <div class="toolbar">
        <TextField
          label="Username starts with"
          name="username"
          value={username()}
          onValue={(v) => {
            setUsername(v);
            setPage(1);
            setParams({ username: v.trim() || undefined });
          }}
        />
        <SelectField
          label="Result"
          value={result()}
          options={[
            { value: "", label: "All" },
            { value: "reject", label: "Refused" },
            { value: "accept", label: "Connected" },
          ]}
          onChange={(e) => {
            setResult(e.currentTarget.value as ResultFilter);
            setPage(1);
          }}
        />
      </div>
      <Table
        caption="Sign-in attempts"
        columns={[
          { key: "createdAt", label: "Time", render: (l) => formatDate(l.createdAt) },
          { key: "username", label: "Username" },
          {
            key: "result",
            label: "Result",
            render: (l) => (
              <Badge tone={l.result === "accept" ? "ok" : "bad"}>
                {l.result === "accept" ? "connected" : "refused"}
              </Badge>
            ),
          },
          { key: "reasonText", label: "Why" },
          { key: "nasName", label: "NAS", render: (l) => l.nasName ?? "—" },
          { key: "callingStationId", label: "Device (MAC)", render: (l) => l.callingStationId ?? "—" },
          { key: "method", label: "Method", render: (l) => (l.method ?? "—").toUpperCase() },
        ]}
        rows={lines.latest?.items ?? []}
        rowKey={(l) => String(l.id)}
        page={{ page: page(), limit: 25, total: lines.latest?.total ?? 0 }}
        onPage={setPage}
        loading={lines.loading}
        empty="No sign-in attempts match."
      />
    </section>
  );
}
