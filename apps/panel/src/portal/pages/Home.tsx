import { A } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import { unwrap } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatDate, formatRate } from "../../ui/format";
import { QuotaBar } from "../../ui/QuotaBar";
import { toast } from "../../ui/Toast";
import { portalApi } from "../client";
import { portal } from "../session";

/** Plan, status, expiry, usage and money at a glance, with the one-tap renewal. */
export default function Home() {
  const me = () => portal.me();
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  const renew = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(portalApi.POST("/api/portal/renew"));
      toast("Renewed: thank you.");
      await portal.refetchMe();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={me()}>
      {(m) => (
        <section class="portal-home">
          <h1>Hello, {m().subscriber.fullName || m().subscriber.username}</h1>
          <div class="portal-cards">
            <article class="card" data-testid="portal-plan">
              <h2>Your plan</h2>
              <p class="portal-big">{m().plan?.name ?? "No plan"}</p>
              <Show when={m().plan}>
                {(p) => (
                  <p class="muted">
                    {formatRate(p().downloadKbps)} down · {formatRate(p().uploadKbps)} up ·{" "}
                    <span data-testid="plan-price">{portal.money(p().priceCents)}</span> / {p().validityDays} days
                  </p>
                )}
              </Show>
              <p>
                Status: <Badge tone={m().subscriber.status === "active" ? "ok" : "bad"}>{m().subscriber.status}</Badge>
              </p>
              <p>
                Active until <strong data-testid="portal-expiry">{formatDate(m().subscriber.expiresAt)}</strong>
              </p>
            </article>
            <article class="card" data-testid="portal-money">
              <h2>Balance</h2>
              <p class="portal-big" data-testid="portal-balance">
                {portal.money(m().subscriber.balanceCents)}
              </p>
              <Show when={m().openInvoices.count > 0} fallback={<p class="muted">No unpaid invoices.</p>}>
                <p data-testid="portal-due">
                  {m().openInvoices.count} unpaid invoice{m().openInvoices.count === 1 ? "" : "s"}:{" "}
                  <strong>{portal.money(m().openInvoices.amountCents)}</strong> <A href="/portal/invoices">Pay now</A>
                </p>
              </Show>
              <ErrorBanner error={error()} />
              <Show when={m().settings.allowRenew && m().plan}>
                <button type="button" class="primary" disabled={busy()} onClick={renew}>
                  Renew from balance ({portal.money(m().plan?.priceCents ?? 0)})
                </button>
              </Show>
            </article>
            <article class="card">
              <h2>Data this period</h2>
              <Show
                when={m().usage.quotaBytes}
                fallback={
                  <p class="muted">
                    Unlimited data. <A href="/portal/sessions">See your usage</A>
                  </p>
                }
              >
                {(q) => <QuotaBar used={m().usage.usedBytes} limit={q()} label="Used" />}
              </Show>
            </article>
          </div>
        </section>
      )}
    </Show>
  );
}
