import { createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { Badge } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { formatRate } from "../../ui/format";
import { type Errors, formatCents, hasErrors, intInRange, required, toCents } from "../../ui/forms";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { createList, listParams } from "../list";
import { session } from "../session";
import type { Page, Plan } from "../types";

type PlanSort = "name" | "price" | "created";
type Field = "name" | "downloadKbps" | "uploadKbps" | "validityDays" | "price";

function PlanForm(props: { plan?: Plan; onDone: () => void; onClose: () => void }) {
  const p = props.plan;
  const [name, setName] = createSignal(p?.name ?? "");
  const [down, setDown] = createSignal(String(p?.downloadKbps ?? 10000));
  const [up, setUp] = createSignal(String(p?.uploadKbps ?? 2000));
  const [days, setDays] = createSignal(String(p?.validityDays ?? 30));
  const [price, setPrice] = createSignal(p ? formatCents(p.priceCents) : "0.00");
  const [active, setActive] = createSignal(p?.isActive ?? true);
  const [errors, setErrors] = createSignal<Errors<Field>>({});
  const submit = async () => {
    const errs: Errors<Field> = {
      name: required(name(), "Name"),
      downloadKbps: intInRange(down(), "Download", 1, 100_000_000),
      uploadKbps: intInRange(up(), "Upload", 1, 100_000_000),
      validityDays: intInRange(days(), "Validity", 1, 3660),
      price: toCents(price()) === undefined ? "Price must be an amount like 12.50." : undefined,
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    const body = {
      name: name().trim(),
      downloadKbps: Number(down()),
      uploadKbps: Number(up()),
      validityDays: Number(days()),
      priceCents: toCents(price()) ?? 0,
      isActive: active(),
    };
    if (p) await unwrap(api.PATCH("/api/plans/{id}", { params: { path: { id: p.id } }, body }));
    else await unwrap(api.POST("/api/plans", { body }));
    toast(p ? "Plan saved" : "Plan created");
    props.onDone();
  };

  return (
    <FormDialog
      title={p ? `Edit ${p.name}` : "New plan"}
      submitLabel={p ? "Save" : "Create plan"}
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField label="Name" value={name()} onValue={setName} error={errors().name} />
      <TextField
        label="Download (kbit/s)"
        inputmode="numeric"
        value={down()}
        onValue={setDown}
        error={errors().downloadKbps}
      />
      <TextField label="Upload (kbit/s)" inputmode="numeric" value={up()} onValue={setUp} error={errors().uploadKbps} />
      <TextField
        label="Validity (days)"
        inputmode="numeric"
        value={days()}
        onValue={setDays}
        error={errors().validityDays}
      />
      <TextField label="Price" inputmode="decimal" value={price()} onValue={setPrice} error={errors().price} />
      <CheckboxField label="Active" checked={active()} onChange={(e) => setActive(e.currentTarget.checked)} />
    </FormDialog>
  );
}

export default function PlansPage() {
  const list = createList<Plan>(
    (q) => unwrap<Page<Plan>>(api.GET("/api/plans", { params: { query: listParams<PlanSort>(q) } })),
    { key: "name", order: "asc" },
  );
  const [editing, setEditing] = createSignal<Plan | "new">();
  const [deleting, setDeleting] = createSignal<Plan>();
  const actions = createActionError();
  const columnKey: Record<string, PlanSort> = { name: "name", price: "price", created: "created" };

  return (
    <section>
      <h1>Plans</h1>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        newLabel="New plan"
        onNew={() => setEditing("new")}
      />
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Table
        {...list.table}
        caption="Service plans"
        columns={[
          { key: "name", label: "Name", sortable: true },
          {
            key: "speed",
            label: "Speed (down / up)",
            render: (p) => `${formatRate(p.downloadKbps)} / ${formatRate(p.uploadKbps)}`,
          },
          { key: "validityDays", label: "Days" },
          { key: "price", label: "Price", sortable: true, render: (p) => session.money(p.priceCents) },
          { key: "subscribers", label: "Subscribers" },
          {
            key: "isActive",
            label: "Status",
            render: (p) => <Badge tone={p.isActive ? "ok" : "neutral"}>{p.isActive ? "active" : "inactive"}</Badge>,
          },
          {
            key: "actions",
            label: "Actions",
            render: (p) => (
              <div class="actions">
                <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                  Edit
                </button>
                <button type="button" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>
                  Delete
                </button>
              </div>
            ),
          },
        ]}
        rowKey={(p) => p.id}
        sort={list.sort()}
        onSort={(s) => columnKey[s.key] && list.setSort(s)}
        empty="No plans yet: create the first one."
      />
      <Show when={editing()}>
        {(e) => (
          <PlanForm
            plan={e() === "new" ? undefined : (e() as Plan)}
            onClose={() => setEditing(undefined)}
            onDone={() => {
              setEditing(undefined);
              list.reload();
            }}
          />
        )}
      </Show>
      <ConfirmAction
        item={deleting()}
        title="Delete plan"
        message={(p) => `Delete the plan ${p.name}? Plans still used by subscribers cannot be deleted.`}
        confirmLabel="Delete"
        danger
        action={(p) =>
          actions.run(async () => {
            await unwrap(api.DELETE("/api/plans/{id}", { params: { path: { id: p.id } } }));
            toast("Plan deleted");
            list.reload();
          })
        }
        onClose={() => setDeleting(undefined)}
      />
    </section>
  );
}
