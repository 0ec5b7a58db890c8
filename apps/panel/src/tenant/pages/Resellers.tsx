import { createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { type Errors, emailAddress, hasErrors, newPassword, required, toCents } from "../../ui/forms";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { createList, listParams } from "../list";
import { session } from "../session";

type Reseller = ApiItem<"/api/resellers">;
type ResellerSort = "name" | "balance" | "created";

function ResellerForm(props: { onDone: () => void; onClose: () => void }) {
  const [name, setName] = createSignal("");
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [errors, setErrors] = createSignal<Errors<"name" | "email" | "password">>({});
  const submit = async () => {
    const errs = {
      name: required(name(), "Name"),
      email: emailAddress(email()),
      password: newPassword(password()),
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    await unwrap(
      api.POST("/api/resellers", { body: { name: name().trim(), email: email().trim(), password: password() } }),
    );
    toast("Reseller created");
    props.onDone();
  };
  return (
    <FormDialog title="New reseller" submitLabel="Create reseller" onSubmit={submit} onClose={props.onClose}>
      <TextField label="Name" value={name()} onValue={setName} error={errors().name} />
      <TextField label="Login e-mail" type="email" value={email()} onValue={setEmail} error={errors().email} />
      <TextField
        label="Password"
        type="password"
        autocomplete="new-password"
        value={password()}
        onValue={setPassword}
        error={errors().password}
      />
    </FormDialog>
  );
}

function TopUp(props: { reseller: Reseller; onDone: () => void; onClose: () => void }) {
  const [amount, setAmount] = createSignal("");
  const [amountError, setAmountError] = createSignal<string>();
  const submit = async () => {
    const cents = toCents(amount());
    setAmountError(cents && cents > 0 ? undefined : "Amount must be like 50.00.");
    if (!cents) return;
    await unwrap(
      api.POST("/api/resellers/{id}/topup", {
        params: { path: { id: props.reseller.id } },
        body: { amountCents: cents },
      }),
    );
    toast("Balance topped up");
    props.onDone();
  };
  return (
    <FormDialog title={`Top up ${props.reseller.name}`} submitLabel="Top up" onSubmit={submit} onClose={props.onClose}>
      <TextField label="Amount" inputmode="decimal" value={amount()} onValue={setAmount} error={amountError()} />
    </FormDialog>
  );
}

export default function ResellersPage() {
  const list = createList<Reseller>(
    (q) => unwrap(api.GET("/api/resellers", { params: { query: listParams<ResellerSort>(q) } })),
    { key: "name", order: "asc" },
  );
  const [creating, setCreating] = createSignal(false);
  const [topping, setTopping] = createSignal<Reseller>();
  const actions = createActionError();
  const toggle = (r: Reseller) =>
    actions.run(async () => {
      await unwrap(
        api.PATCH("/api/resellers/{id}", { params: { path: { id: r.id } }, body: { isActive: !r.isActive } }),
      );
      list.reload();
    });
  return (
    <section>
      <h1>Resellers</h1>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        newLabel="New reseller"
        onNew={() => setCreating(true)}
      />
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Table
        {...list.table}
        caption="Resellers"
        columns={[
          { key: "name", label: "Name", sortable: true },
          { key: "balance", label: "Balance", sortable: true, render: (r) => session.money(r.balanceCents) },
          {
            key: "isActive",
            label: "Status",
            render: (r) => <Badge tone={r.isActive ? "ok" : "neutral"}>{r.isActive ? "active" : "inactive"}</Badge>,
          },
          {
            key: "actions",
            label: "Actions",
            render: (r) => (
              <div class="actions">
                <button type="button" onClick={() => setTopping(r)} aria-label={`Top up ${r.name}`}>
                  Top up
                </button>
                <button
                  type="button"
                  onClick={() => toggle(r)}
                  aria-label={`${r.isActive ? "Deactivate" : "Activate"} ${r.name}`}
                >
                  {r.isActive ? "Deactivate" : "Activate"}
                </button>
              </div>
            ),
          },
        ]}
        rowKey={(r) => r.id}
        sort={list.sort()}
        onSort={(s) => s.key !== "isActive" && list.setSort(s)}
        empty="No resellers."
      />
      <Show when={creating()}>
        <ResellerForm
          onClose={() => setCreating(false)}
          onDone={() => {
            setCreating(false);
            list.reload();
          }}
        />
      </Show>
      <Show when={topping()}>
        {(r) => (
          <TopUp
            reseller={r()}
            onClose={() => setTopping(undefined)}
            onDone={() => {
              setTopping(undefined);
              list.reload();
            }}
          />
        )}
      </Show>
    </section>
  );
}
