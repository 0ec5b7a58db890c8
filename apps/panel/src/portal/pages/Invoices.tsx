import { createResource, createSignal, For, Show } from "solid-js";
import { downloadFile, unwrap } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatDate } from "../../ui/format";
import { Table } from "../../ui/Table";
import { getPortalToken, portalApi } from "../client";
import { portal } from "../session";
import { PayDialog, type PayTarget } from "./PayDialog";

const PROVIDER_LABEL = { stripe: "Card", mpesa: "M-Pesa" } as const;

/** Invoices with a Pay button for each open one, and the online payments made so far. */
export default function Invoices() {
  const [invoices, { refetch }] = createResource(() =>
    unwrap(portalApi.GET("/api/portal/invoices", { params: { query: { limit: 50 } } })),
  );
  const [payments, { refetch: refetchPayments }] = createResource(() => unwrap(portalApi.GET("/api/portal/payments")));
  const [target, setTarget] = createSignal<PayTarget>();
  const canPay = () => (portal.me()?.paymentProviders.length ?? 0) > 0;
  const done = async () => {
    setTarget(undefined);
    await Promise.all([refetch(), refetchPayments(), portal.refetchMe()]);
  };
  return (
    <section>
      <h1>Invoices & payments</h1>
      <ErrorBanner error={invoices.error ?? payments.error} />
      <Show when={portal.me()?.plan && canPay() && portal.me()?.settings.allowRenew}>
        <p>
          <button
            type="button"
            class="primary"
            onClick={() =>
              setTarget({
                purpose: "renewal",
                amountCents: portal.me()?.plan?.priceCents ?? 0,
                label: `Renew ${portal.me()?.plan?.name}`,
              })
            }
          >
            Pay and renew now ({portal.money(portal.me()?.plan?.priceCents ?? 0)})
          </button>
        </p>
      </Show>
      <Show
        when={invoices()}
        fallback={
          <Show when={!invoices.error}>
            <p class="muted">Loading…</p>
          </Show>
        }
      >
        {(list) => (
          <Table
            caption="Invoices"
            rows={list().items}
            rowKey={(i) => i.id}
            empty="No invoices yet."
            columns={[
              { key: "number", label: "No.", render: (i) => `#${i.number}` },
              { key: "createdAt", label: "Date", render: (i) => formatDate(i.createdAt) },
              { key: "description", label: "For" },
              {
                key: "amountCents",
                label: "Amount",
                render: (i) => <span data-testid="invoice-amount">{portal.money(i.amountCents)}</span>,
              },
              {
                key: "status",
                label: "Status",
                render: (i) => (
                  <Badge tone={i.status === "paid" ? "ok" : i.status === "unpaid" ? "warn" : "neutral"}>
                    {i.status}
                  </Badge>
                ),
              },
              {
                key: "pdf",
                label: "",
                render: (i) => (
                  <button
                    type="button"
                    onClick={() =>
                      void downloadFile(`/api/portal/invoices/${i.id}/pdf`, `invoice-${i.number}.pdf`, getPortalToken())
                    }
                  >
                    PDF
                  </button>
                ),
              },
              {
                key: "pay",
                label: "",
                render: (i) => (
                  <Show when={i.status === "unpaid" && canPay()}>
                    <button
                      type="button"
                      class="primary"
                      onClick={() =>
                        setTarget({
                          purpose: "invoice",
                          invoiceId: i.id,
                          amountCents: i.amountCents,
                          label: `Invoice #${i.number}`,
                        })
                      }
                    >
                      Pay
                    </button>
                  </Show>
                ),
              },
            ]}
          />
        )}
      </Show>
      <Show when={payments()?.items.length}>
        <h2>Online payments</h2>
        <ul class="portal-payments">
          <For each={payments()?.items}>
            {(p) => (
              <li data-testid="portal-payment">
                {formatDate(p.createdAt)} · {PROVIDER_LABEL[p.provider]} · {portal.money(p.amountCents)} ·{" "}
                <Badge tone={p.status === "succeeded" ? "ok" : p.status === "failed" ? "bad" : "warn"}>
                  {p.status}
                </Badge>
                <Show when={p.failureReason}> {p.failureReason}</Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={target()}>
        {(t) => <PayDialog target={t()} onClose={() => setTarget(undefined)} onDone={done} />}
      </Show>
    </section>
  );
}
