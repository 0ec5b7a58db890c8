import { createResource, createSignal, Show } from "solid-js";
import { api, downloadFile, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { formatDate, fromZonedInput, toZonedInput } from "../../ui/format";
import { type Errors, formatCents, hasErrors, required, toCents } from "../../ui/forms";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { CreditNotes } from "../components/CreditNotes";
import { session } from "../session";

type Invoice = ApiItem<"/api/invoices">;
type InvoiceStatus = "" | "unpaid" | "paid" | "void";

function InvoiceForm(props: { onDone: () => void; onClose: () => void }) {
  const [search, setSearch] = createSignal("");
  const [subs] = createResource(search, (s) =>
    unwrap(api.GET("/api/subscribers", { params: { query: { search: s.trim() || undefined, limit: 20 } } })),
  );
  const [subscriberId, setSubscriberId] = createSignal("");
  const [amount, setAmount] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [errors, setErrors] = createSignal<Errors<"subscriber" | "amount" | "description">>({});
  const submit = async () => {
    const cents = toCents(amount());
    const errs = {
      subscriber: required(subscriberId(), "Subscriber"),
      amount: cents && cents > 0 ? undefined : "Amount must be like 12.50.",
      description: required(description(), "Description"),
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    await unwrap(
      api.POST("/api/invoices", {
        body: { subscriberId: subscriberId(), amountCents: cents ?? 0, description: description().trim() },
      }),
    );
    toast("Invoice created");
    props.onDone();
  };
  return (
    <FormDialog title="New invoice" submitLabel="Create invoice" onSubmit={submit} onClose={props.onClose}>
      <TextField label="Find subscriber" type="search" value={search()} onValue={setSearch} />
      <SelectField
        label="Subscriber"
        value={subscriberId()}
        placeholder="Choose a subscriber"
        options={(subs.latest?.items ?? []).map((s) => ({ value: s.id, label: s.username }))}
        onChange={(e) => setSubscriberId(e.currentTarget.value)}
        error={errors().subscriber}
      />
      <TextField label="Amount" inputmode="decimal" value={amount()} onValue={setAmount} error={errors().amount} />
      <TextField label="Description" value={description()} onValue={setDescription} error={errors().description} />
    </FormDialog>
  );
}

const METHODS = [
  { value: "cash", label: "Cash" },
  { value: "mobile_money", label: "Mobile money" },
  { value: "bank_transfer", label: "Bank transfer" },
  { value: "card", label: "Card" },
  { value: "cheque", label: "Cheque" },
  { value: "other", label: "Other" },
];
const METHOD_LABEL: Record<string, string> = {
  ...Object.fromEntries(METHODS.map((m) => [m.value, m.label])),
  online: "Online",
};

/** Money received against an invoice: all of what is owed or a part, how, its reference and the day. */
function PaymentDialog(props: { invoice: Invoice; onClose: () => void; onDone: () => void }) {
  const owed = () =>
    props.invoice.amountCents - (props.invoice.amountPaidCents ?? 0) - (props.invoice.creditedCents ?? 0);
  const [amount, setAmount] = createSignal(formatCents(owed()));
  const [method, setMethod] = createSignal("cash");
  const [reference, setReference] = createSignal("");
  // Days are the tenant's: "today" is its today, and a past day is taken at its noon.
  const today = toZonedInput(new Date().toISOString()).slice(0, 10);
  const [day, setDay] = createSignal(today);
  const [errors, setErrors] = createSignal<Errors<"amount" | "day">>({});
  const submit = async () => {
    const cents = toCents(amount());
    const errs = {
      amount: cents && cents > 0 ? undefined : "Amount must be like 12.50.",
      day: /^\d{4}-\d{2}-\d{2}$/.test(day()) ? undefined : "Pick the day the money came in.",
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    await unwrap(
      api.POST("/api/invoices/{id}/payments", {
        params: { path: { id: props.invoice.id } },
        body: {
          amountCents: cents ?? 0,
          method: method() as "cash",
          ...(reference().trim() ? { reference: reference().trim() } : {}),
          receivedAt: day() === today ? new Date().toISOString() : (fromZonedInput(`${day()}T12:00`) ?? day()),
        },
      }),
    );
    toast((cents ?? 0) < owed() ? "Part payment recorded" : "Payment recorded");
    props.onDone();
  };
  return (
    <FormDialog
      title={`Record payment: invoice ${props.invoice.number}`}
      submitLabel="Record payment"
      onSubmit={submit}
      onClose={props.onClose}
    >
      <p class="muted">
        Still owed: {session.money(owed())}. A smaller amount is a part payment; more stays as credit.
      </p>
      <TextField
        label={`Amount received (${session.branding()?.currency ?? "USD"})`}
        inputmode="decimal"
        value={amount()}
        onValue={setAmount}
        error={errors().amount}
      />
      <SelectField
        label="Method"
        value={method()}
        options={METHODS}
        onChange={(e) => setMethod(e.currentTarget.value)}
      />
      <TextField label="Reference (slip, M-Pesa code…)" value={reference()} onValue={setReference} />
      <TextField label="Received on" type="date" value={day()} onValue={setDay} error={errors().day} />
    </FormDialog>
  );
}

/** Invoices (create, record a payment, void) and the list of payments received. */
export default function BillingPage() {
  const [status, setStatus] = createSignal<InvoiceStatus>("");
  const [page, setPage] = createSignal(1);
  const [invoices, { refetch }] = createResource(
    () => ({ status: status(), page: page() }),
    (q) =>
      unwrap(
        api.GET("/api/invoices", { params: { query: { page: q.page, limit: 25, status: q.status || undefined } } }),
      ),
  );
  const [payments, { refetch: refetchPayments }] = createResource(() =>
    unwrap(api.GET("/api/transactions", { params: { query: { type: "payment", limit: 25 } } })),
  );
  const [creating, setCreating] = createSignal(false);
  const [voiding, setVoiding] = createSignal<Invoice>();
  const [paying, setPaying] = createSignal<Invoice>();
  const [crediting, setCrediting] = createSignal<Invoice>();
  const actions = createActionError();
  const act = (fn: () => Promise<unknown>, msg: string) =>
    actions.run(async () => {
      await fn();
      toast(msg);
      void refetch();
      void refetchPayments();
    });
  const tone = (s: Invoice["status"]) => (s === "paid" ? "ok" : s === "void" ? "neutral" : "warn");
  return (
    <section>
      <h1>Invoices and payments</h1>
      <div class="toolbar">
        <SelectField
          label="Status"
          value={status()}
          placeholder="All"
          options={[
            { value: "unpaid", label: "Unpaid" },
            { value: "paid", label: "Paid" },
            { value: "void", label: "Void" },
          ]}
          onChange={(e) => {
            setStatus(e.currentTarget.value as InvoiceStatus);
            setPage(1);
          }}
        />
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New invoice
        </button>
      </div>
      <ErrorBanner error={actions.error() ?? invoices.error} onDismiss={actions.dismiss} />
      <Table
        caption="Invoices"
        columns={[
          { key: "number", label: "Number" },
          { key: "description", label: "Description" },
          { key: "amount", label: "Amount", render: (i) => session.money(i.amountCents) },
          { key: "status", label: "Status", render: (i) => <Badge tone={tone(i.status)}>{i.status}</Badge> },
          { key: "createdAt", label: "Created", render: (i) => formatDate(i.createdAt) },
          {
            key: "actions",
            label: "Actions",
            render: (i) => (
              <div class="actions">
                <button
                  type="button"
                  onClick={() =>
                    actions.run(() =>
                      downloadFile(
                        `/api/invoices/${i.id}/pdf`,
                        `${i.status === "paid" ? "receipt" : "invoice"}-${i.number}.pdf`,
                      ),
                    )
                  }
                  aria-label={`Download invoice ${i.number} as PDF`}
                >
                  PDF
                </button>
                <Show when={i.status !== "void" || (i.creditedCents ?? 0) > 0}>
                  <button
                    type="button"
                    onClick={() => setCrediting(i)}
                    aria-label={`Credit notes of invoice ${i.number}`}
                  >
                    Credit notes
                  </button>
                </Show>
                <Show when={i.status === "unpaid"}>
                  <button
                    type="button"
                    onClick={() => setPaying(i)}
                    aria-label={`Record payment for invoice ${i.number}`}
                  >
                    Record payment
                  </button>
                  <button type="button" onClick={() => setVoiding(i)} aria-label={`Void invoice ${i.number}`}>
                    Void
                  </button>
                </Show>
              </div>
            ),
          },
        ]}
        rows={invoices.latest?.items ?? []}
        rowKey={(i) => i.id}
        page={{ page: page(), limit: 25, total: invoices.latest?.total ?? 0 }}
        onPage={setPage}
        loading={invoices.loading}
        empty="No invoices."
      />
      <h2>Latest payments</h2>
      <ErrorBanner error={payments.error} />
      <Table
        caption="Payments"
        columns={[
          { key: "createdAt", label: "When", render: (t) => formatDate(t.createdAt) },
          { key: "amount", label: "Amount", render: (t) => session.money(Math.abs(t.amountCents)) },
          { key: "method", label: "Method", render: (t) => (t.method ? (METHOD_LABEL[t.method] ?? t.method) : "—") },
          { key: "reference", label: "Reference", render: (t) => t.reference ?? "—" },
          { key: "received", label: "Received", render: (t) => formatDate(t.receivedAt ?? t.createdAt) },
          { key: "description", label: "Description" },
        ]}
        rows={payments.latest?.items ?? []}
        rowKey={(t) => String(t.id)}
        empty="No payments yet."
      />
      <Show when={paying()}>
        {(i) => (
          <PaymentDialog
            invoice={i()}
            onClose={() => setPaying(undefined)}
            onDone={() => {
              setPaying(undefined);
              void refetch();
              void refetchPayments();
            }}
          />
        )}
      </Show>
      <Show when={crediting()}>
        {(i) => (
          <CreditNotes
            invoice={i()}
            onClose={() => setCrediting(undefined)}
            onDone={() => {
              void refetch();
              void refetchPayments();
            }}
          />
        )}
      </Show>
      <Show when={creating()}>
        <InvoiceForm
          onClose={() => setCreating(false)}
          onDone={() => {
            setCreating(false);
            void refetch();
          }}
        />
      </Show>
      <ConfirmAction
        item={voiding()}
        title="Void invoice"
        message={(i) =>
          `Void invoice ${i.number} (${session.money(i.amountCents)})? It stays on record but is no longer due.`
        }
        confirmLabel="Void"
        danger
        action={(i) =>
          act(() => unwrap(api.POST("/api/invoices/{id}/void", { params: { path: { id: i.id } } })), "Invoice voided")
        }
        onClose={() => setVoiding(undefined)}
      />
    </section>
  );
}
