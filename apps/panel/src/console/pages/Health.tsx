import { createResource, For, onCleanup, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatDate } from "../../ui/format";
import type { Probe } from "../types";

const REFRESH_MS = 5_000;

function ProbeBadge(props: { probe: Probe }) {
  return (
    <Badge tone={props.probe.ok ? "ok" : "bad"}>
      {props.probe.ok ? `ok · ${props.probe.latencyMs} ms` : (props.probe.error ?? "down")}
    </Badge>
  );
}

/** Database connections, shared state, object store and RADIUS rates, refreshed every few seconds. */
export default function HealthPage() {
  const [health, { refetch }] = createResource(() => unwrap(api.GET("/api/saas/health")));
  const timer = setInterval(() => void refetch(), REFRESH_MS);
  onCleanup(() => clearInterval(timer));

  return (
    <section>
      <h1>System health</h1>
      <ErrorBanner error={health.error} />
      <Show when={health.latest}>
        {(h) => (
          <>
            <p class="muted" aria-live="polite">
              Checked {formatDate(h().checkedAt)}; refreshes every {REFRESH_MS / 1000} s.
            </p>
            <div class="health-grid">
              <article class="card" aria-labelledby="h-db">
                <h2 id="h-db">Database</h2>
                <ProbeBadge probe={h().database} />
                <dl class="kv">
                  <dt>Connections</dt>
                  <dd>
                    {h().database.connections ?? "—"} of {h().database.maxConnections ?? "—"} (
                    {h().database.percentUsed ?? "—"} %)
                  </dd>
                  <dt>To this database</dt>
                  <dd>{h().database.connectionsToThisDatabase ?? "—"}</dd>
                  <For each={Object.entries(h().database.byState)}>
                    {([state, n]) => (
                      <>
                        <dt>{state}</dt>
                        <dd>{n}</dd>
                      </>
                    )}
                  </For>
                </dl>
              </article>
              <article class="card" aria-labelledby="h-state">
                <h2 id="h-state">{h().sharedState.kind === "redis" ? "Redis" : "Shared state (in-process)"}</h2>
                <ProbeBadge probe={h().sharedState} />
              </article>
              <article class="card" aria-labelledby="h-store">
                <h2 id="h-store">Object store</h2>
                <ProbeBadge probe={h().objectStore} />
              </article>
              <article class="card" aria-labelledby="h-radius">
                <h2 id="h-radius">RADIUS</h2>
                <Badge tone={h().radius.instances.length > 0 ? "ok" : "warn"}>
                  {h().radius.instances.length} daemon{h().radius.instances.length === 1 ? "" : "s"} reporting
                </Badge>
                <dl class="kv">
                  <dt>Packets / s</dt>
                  <dd>{h().radius.rates.received}</dd>
                  <dt>Access-Requests / s</dt>
                  <dd>{h().radius.rates.accessRequests}</dd>
                  <dt>Accepts / s</dt>
                  <dd>{h().radius.rates.accessAccepts}</dd>
                  <dt>Rejects / s</dt>
                  <dd>{h().radius.rates.accessRejects}</dd>
                  <dt>Accounting / s</dt>
                  <dd>{h().radius.rates.accountingRequests}</dd>
                  <dt>Dropped / s</dt>
                  <dd>{h().radius.rates.dropped}</dd>
                  <dt>Errors / s</dt>
                  <dd>{h().radius.rates.errors}</dd>
                </dl>
                <For each={h().radius.instances}>
                  {(i) => (
                    <p class="muted">
                      {i.instanceId}: {i.totals.received ?? 0} packets since start, last report {formatDate(i.at)}
                    </p>
                  )}
                </For>
              </article>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
