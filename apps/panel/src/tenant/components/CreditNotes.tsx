import { createResource, createSignal, For, Show } from "solid-js";
import { api, downloadFile, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { hasErrors, required, toCents } from "../../ui/forms";
import { Modal } from "../../ui/Modal";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";
import { session } from "../session";

type Invoice = ApiItem<"/api/invoices">;

/**
 * An invoice's credit notes: the list (number, day, amount in the tenant's currency, reason,
 * PDF) and, with billing.edit, a form to issue one for up to what can still be credited.
 */
export function CreditNotes(props: { invoice: Invoice; onClose: () => void; onDone: () => void }) {
  const id = () => props.invoice.id;
  const [notes, { refetch }] = createResource(id, (invoiceId) =>
    unwrap(api.GET("/api/invoices/{id}/credit-notes", { params: { path: { id: invoiceId } } })),
  );
  const [credited, setCredited] = createSignal(props.invoice.creditedCents ?? 0);
  const creditable = () => props.invoice.amountCents - credited();
  const [amount, setAmount] = createSignal("");
  const [reason, setReason] = createSignal("");
  const [errors, setErrors] = createSignal<{ amount?: string | undefined; reason?: string | undefined }>({});
  const [pdfError, setPdfError] = createSignal<unknown>();
  const { busy, error, submit } = createSubmit({
    check: () => {
      const cents = toCents(amount());
      const errs = {
        amount:
          cents && cents > 0 && cents <= creditable()
            ? undefined
            : `An amount like 5.00, at most ${session.money(creditable())}.`,
        reason: required(reason(), "Reason"),
      };
      setErrors(errs);
      return !hasErrors(errs);
    },
    send: async () => {
      const res = await unwrap(
        api.POST("/api/invoices/{id}/credit-notes", {
          params: { path: { id: id() } },
          body: { amountCents: toCents(amount()) ?? 0, reason: reason().trim() },
        }),
      );
      setCredited(res.invoice.creditedCents);
      setAmount("");
      setReason("");
      toast(`Credit note ${res.creditNote.number} issued`);
      void refetch();
      props.onDone();
    },
  });
  return (
    <Modal title={`Credit notes of invoice ${props.invoice.number}`} onClose={props.onClose}>
      <p>
        Invoice total {session.money(props.invoice.amountCents)}; credited {session.money(credited())}.
      </p>
      <ErrorBanner error={notes.error ?? pdfError()} />
      <Show when={notes.latest?.items.length} fallback={<p>No credit notes yet.</p>}>
        <table class="table" aria-label="Credit notes">
          <thead>
            <tr>
              <th>Number</th>
              <th>Issued</th>
              <th>Amount</th>
              <th>Reason</th>
              <th>PDF</th>
            </tr>
          </thead>
          <tbody>
            <For each={notes.latest?.items ?? []}>
              {(n) => (
                <tr>
                  <td>{n.number}</td>
                  <td>{formatDate(n.createdAt)}</td>
                  <td>{session.money(n.amountCents)}</td>
                  <td>{n.reason}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Download credit note ${n.number} as PDF`}
                      onClick={() =>
                        downloadFile(
                          `/api/invoices/${id()}/credit-notes/${n.id}/pdf`,
                          `credit-note-${n.number}.pdf`,
                        ).catch(setPdfError)
                      }
                    >
                      PDF
                    </button>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={session.can("billing.edit") && props.invoice.status !== "void" && creditable() > 0}>
        <form onSubmit={submit} noValidate aria-label="Issue a credit note">
          <h2>Issue a credit note</h2>
          <ErrorBanner error={error()} />
          <TextField
            label="Amount"
            inputmode="decimal"
            value={amount()}
            onValue={setAmount}
            error={errors().amount}
            hint={`At most ${session.money(creditable())}`}
          />
          <TextField label="Reason" value={reason()} onValue={setReason} error={errors().reason} maxLength={500} />
          <button type="submit" class="primary" disabled={busy()}>
            Issue credit note
          </button>
        </form>
      </Show>
    </Modal>
  );
}
