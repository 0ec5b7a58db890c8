import { createResource, createSignal, For, Show } from "solid-js";
import { unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatBytes, formatRate } from "../../ui/format";
import { toast } from "../../ui/Toast";
import { portalApi } from "../client";
import { portal } from "../session";
import type { PortalPlan } from "../types";

/** The provider's plans; switching is offered only where the provider allows it. */
export default function Plans() {
  const [plans] = createResource(() => unwrap(portalApi.GET("/api/portal/plans")));
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal<string>();
  const change = async (plan: PortalPlan) => {
    if (!confirm(`Switch to ${plan.name}? Your speed changes at once.`)) return;
    setBusy(plan.id);
    setError(undefined);
    try {
      await unwrap(portalApi.POST("/api/portal/plan", { body: { planId: plan.id } }));
      toast(`You are now on ${plan.name}.`);
      await portal.refetchMe();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section>
      <h1>Plans</h1>
      <ErrorBanner error={plans.error ?? error()} />
      <Show
        when={plans()}
        fallback={
          <Show when={!plans.error}>
            <p class="muted">Loading…</p>
          </Show>
        }
      >
        {(p) => (
          <div class="portal-cards">
            <For each={p().items}>
              {(plan) => {
                const current = () => portal.me()?.plan?.id === plan.id;
                return (
                  <article class="card" classList={{ "card-current": current() }} data-testid="portal-plan-card">
                    <h2>{plan.name}</h2>
                    <p class="portal-big">{portal.money(plan.priceCents)}</p>
                    <p class="muted">
                      {plan.validityDays} days · {formatRate(plan.downloadKbps)} / {formatRate(plan.uploadKbps)}
                      {plan.quotaBytes ? ` · ${formatBytes(plan.quotaBytes)} ${plan.quotaPeriod}` : " · unlimited data"}
                    </p>
                    <Show
                      when={current()}
                      fallback={
                        <Show when={p().allowPlanChange}>
                          <button type="button" disabled={busy() === plan.id} onClick={() => change(plan)}>
                            Switch to this plan
                          </button>
                        </Show>
                      }
                    >
                      <p>
                        <strong>Your current plan</strong>
                      </p>
                    </Show>
                  </article>
                );
              }}
            </For>
          </div>
        )}
      </Show>
      <Show when={plans() && !plans()?.allowPlanChange}>
        <p class="muted">To change your plan, contact your provider.</p>
      </Show>
    </section>
  );
}
