import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import { api, unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField } from "../../ui/Field";
import { Modal } from "../../ui/Modal";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";
import { placementView } from "../placement";
import type { ConsoleTenant, TenantMove } from "../types";

/**
 * Where the tenant's schema lives and, on a Citus cluster, moving it to another worker
 * (`citus_schema_move`, synchronous: the request returns once the copy and the switch are done).
 * On plain PostgreSQL it says "Single database" and offers no move.
 */
export function PlacementDialog(props: { tenant: ConsoleTenant; onClose: () => void }) {
  const t = props.tenant;
  const [placement, { mutate }] = createResource(() =>
    unwrap(api.GET("/api/saas/tenants/{id}/placement", { params: { path: { id: t.id } } })).then((r) => r.placement),
  );
  // `latest` throws once the load failed (Solid): that failure is shown in the banner instead.
  const current = () => (placement.error ? undefined : placement.latest);
  const view = () => {
    const p = current();
    return p ? placementView(p) : undefined;
  };
  const [target, setTarget] = createSignal("");
  const [done, setDone] = createSignal<TenantMove>();
  const targets = () => {
    const v = view();
    return v?.kind === "node" ? v.targets : [];
  };
  // The select shows its first worker until the operator picks another.
  const chosen = () => (targets().includes(target()) ? target() : (targets()[0] ?? ""));
  const { busy, error, submit } = createSubmit({
    check: () => chosen() !== "",
    send: async () => {
      setDone(undefined);
      const res = await unwrap(
        api.POST("/api/saas/tenants/{id}/move", { params: { path: { id: t.id } }, body: { node: chosen() } }),
      );
      mutate(res.placement);
      setTarget("");
      setDone(res);
      toast(res.moved ? `${t.slug} moved to ${res.to}` : `${t.slug} is already on ${res.to}`);
    },
  });

  return (
    <Modal title={`Placement of ${t.slug}`} onClose={props.onClose}>
      <ErrorBanner error={placement.error ?? error()} />
      <Show when={placement.loading}>
        <p class="muted">Loading placement…</p>
      </Show>
      <Show when={view()}>
        {(v) => (
          <>
            <dl class="kv placement-kv">
              <dt>Lives on</dt>
              <dd data-testid="tenant-node">{v().where}</dd>
            </dl>
            <Switch>
              <Match when={v().kind !== "node"}>
                <p class="muted" data-testid="move-unavailable">
                  {v().why}
                </p>
                <div class="actions">
                  <button type="button" onClick={() => props.onClose()}>
                    Done
                  </button>
                </div>
              </Match>
              <Match when={v().kind === "node"}>
                <table class="placement-nodes">
                  <caption>Nodes of the cluster</caption>
                  <thead>
                    <tr>
                      <th>Node</th>
                      <th>Role</th>
                      <th>Tenants</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={current()?.nodes ?? []}>
                      {(n) => (
                        <tr>
                          <td>{n.node}</td>
                          <td>
                            {n.takesTenants || n.role === "coordinator" ? n.role : `${n.role} (takes no tenants)`}
                          </td>
                          <td>{n.tenants}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
                <form onSubmit={submit}>
                  <Show
                    when={targets().length > 0}
                    fallback={
                      <p class="muted" data-testid="move-unavailable">
                        {v().why}
                      </p>
                    }
                  >
                    <SelectField
                      label="Move to node"
                      hint="Writes to this tenant wait while Citus copies its tables; none fail."
                      options={targets().map((n) => ({ value: n, label: n }))}
                      value={chosen()}
                      disabled={busy()}
                      onChange={(e) => setTarget(e.currentTarget.value)}
                    />
                  </Show>
                  <Show when={busy()}>
                    <p role="status" class="muted" data-testid="move-progress">
                      Moving to {chosen()}: copying the tenant's tables, then switching its queries there…
                    </p>
                  </Show>
                  <Show when={done()}>
                    {(d) => (
                      <p role="status" data-testid="move-result">
                        {d().moved
                          ? `Moved from ${d().from} to ${d().to} in ${(d().ms / 1000).toFixed(1)} s (${d().mode ?? "auto"}).`
                          : `Already on ${d().to}: nothing to move.`}
                      </p>
                    )}
                  </Show>
                  <div class="actions">
                    <button type="button" onClick={() => props.onClose()}>
                      Done
                    </button>
                    <button type="submit" class="primary" disabled={busy() || chosen() === ""}>
                      {busy() ? "Moving…" : "Move"}
                    </button>
                  </div>
                </form>
              </Match>
            </Switch>
          </>
        )}
      </Show>
    </Modal>
  );
}
