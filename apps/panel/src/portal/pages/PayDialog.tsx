import { createSignal, For, onCleanup, Show } from "solid-js";
import { unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { Modal } from "../../ui/Modal";
import { createSubmit } from "../../ui/submit";
import { portalApi } from "../client";
import { portal } from "../session";
import type { PortalPayment } from "../types";

export type PayTarget =
  | { purpose: "invoice"; invoiceId: string; amountCents: number; label: string }
  | { purpose: "renewal"; amountCents: number; label: string };

type Provider = "stripe" | "mpesa";
const LABEL: Record<Provider, string> = { stripe: "Card (Stripe)", mpesa: "M-Pesa" };

/**
 * Polls one payment until the provider has answered: M-Pesa confirms on the phone, a card payment
 * returns from Stripe's page. Stops on its own after two minutes.
 */
export function watchPayment(id: string, onFinal: (p: PortalPayment) => void): () => void {
  let stopped = false;
  const started = Date.now();
  const tick = async () => {
    if (stopped) return;
    const p = await unwrap(portalApi.GET("/api/portal/payments/{id}", { params: { path: { id } } })).catch(
      () => undefined,
    );
    if (p && p.payment.status !== "pending") return onFinal(p.payment);
    if (Date.now() - started < 120_000) setTimeout(tick, 2000);
  };
  void tick();
  return () => {
    stopped = true;
  };
}

/** Choose how to pay, then either go to the card page or confirm on the phone while we wait. */
export function PayDialog(props: { target: PayTarget; onClose: () => void; onDone: () => void }) {
  const providers = () => (portal.me()?.paymentProviders ?? []) as Provider[];
  const [provider, setProvider] = createSignal<Provider>(providers()[0] ?? "stripe");
  const [phone, setPhone] = createSignal(portal.me()?.subscriber.phone ?? "");
  const [waiting, setWaiting] = createSignal<string>();
  const [outcome, setOutcome] = createSignal<PortalPayment>();
  let stop: (() => void) | undefined;
  onCleanup(() => stop?.());
  const { busy, error, submit } = createSubmit({
    send: async () => {
      const t = props.target;
      const body = {
        provider: provider(),
        purpose: t.purpose,
        ...(t.purpose === "invoice" ? { invoiceId: t.invoiceId } : {}),
        ...(provider() === "mpesa" ? { phone: phone().trim() } : {}),
        returnUrl: `${location.origin}/portal/invoices`,
      };
      const res = await unwrap(portalApi.POST("/api/portal/payments", { body }));
      if (res.redirectUrl) {
        location.assign(res.redirectUrl);
        return;
      }
      setWaiting(res.customerMessage ?? "Confirm the payment on your phone.");
      stop = watchPayment(res.payment.id, (p) => {
        setWaiting(undefined);
        setOutcome(p);
      });
    },
  });
  return (
    <Modal title={`Pay ${portal.money(props.target.amountCents)}: ${props.target.label}`} onClose={props.onClose}>
      <Show
        when={!outcome()}
        fallback={
          <div role="status" data-testid="payment-outcome">
            <p>
              {outcome()?.status === "succeeded"
                ? "Payment received: thank you."
                : `Payment not completed: ${outcome()?.failureReason ?? "cancelled"}.`}
            </p>
            <button type="button" class="primary" onClick={props.onDone}>
              Close
            </button>
          </div>
        }
      >
        <Show
          when={!waiting()}
          fallback={
            <p role="status" data-testid="payment-waiting">
              {waiting()} Waiting for confirmation…
            </p>
          }
        >
          <form onSubmit={submit} noValidate aria-label="Pay online">
            <ErrorBanner error={error()} />
            <fieldset>
              <legend>Pay with</legend>
              <For each={providers()}>
                {(p) => (
                  <label class="radio">
                    <input
                      type="radio"
                      name="provider"
                      value={p}
                      checked={provider() === p}
                      onChange={() => setProvider(p)}
                    />
                    {LABEL[p]}
                  </label>
                )}
              </For>
            </fieldset>
            <Show when={provider() === "mpesa"}>
              <TextField
                label="M-Pesa phone number"
                type="tel"
                value={phone()}
                onValue={setPhone}
                hint="e.g. 0712 345 678"
              />
            </Show>
            <button type="submit" class="primary" disabled={busy()}>
              {busy() ? "Starting…" : `Pay ${portal.money(props.target.amountCents)}`}
            </button>
          </form>
        </Show>
      </Show>
    </Modal>
  );
}
