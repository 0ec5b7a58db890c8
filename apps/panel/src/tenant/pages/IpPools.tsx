import { createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { type Errors, hasErrors, required } from "../../ui/forms";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { createList, searchParam } from "../list";
import type { IpPool } from "../types";

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

function PoolForm(props: { onDone: () => void; onClose: () => void }) {
  const [name, setName] = createSignal("");
  const [cidr, setCidr] = createSignal("");
  const [errors, setErrors] = createSignal<Errors<"name" | "cidr">>({});
  const submit = async () => {
    const errs = {
      name: required(name(), "Name"),
      cidr: CIDR.test(cidr().trim()) ? undefined : "Enter a network like 10.10.0.0/24.",
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    await unwrap(api.POST("/api/ip-pools", { body: { name: name().trim(), cidr: cidr().trim() } }));
    toast("Pool created");
    props.onDone();
  };
  return (
    <FormDialog title="New IP pool" submitLabel="Create pool" onSubmit={submit} onClose={props.onClose}>
      <TextField label="Name" value={name()} onValue={setName} error={errors().name} />
      <TextField label="Network (CIDR)" value={cidr()} onValue={setCidr} error={errors().cidr} />
    </FormDialog>
  );
}

export default function IpPoolsPage() {
  const list = createList<IpPool>(
    (q) =>
      unwrap(
        api.GET("/api/ip-pools", {
          params: { query: { page: q.page, limit: q.limit, search: searchParam(q.search) } },
        }),
      ),
    { key: "name", order: "asc" },
  );
  const [adding, setAdding] = createSignal(false);
  const [deleting, setDeleting] = createSignal<IpPool>();
  const actions = createActionError();
  return (
    <section>
      <h1>IP pools</h1>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        newLabel="New pool"
        onNew={() => setAdding(true)}
      />
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Table
        {...list.table}
        caption="IP pools"
        columns={[
          { key: "name", label: "Name" },
          { key: "cidr", label: "Network" },
          { key: "range", label: "Range", render: (p) => `${p.rangeStart ?? "—"} – ${p.rangeEnd ?? "—"}` },
          {
            key: "actions",
            label: "Actions",
            render: (p) => (
              <button type="button" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>
                Delete
              </button>
            ),
          },
        ]}
        rowKey={(p) => p.id}
        empty="No IP pools yet."
      />
      <Show when={adding()}>
        <PoolForm
          onClose={() => setAdding(false)}
          onDone={() => {
            setAdding(false);
            list.reload();
          }}
        />
      </Show>
      <ConfirmAction
        item={deleting()}
        title="Delete IP pool"
        message={(p) => `Delete ${p.name}? Pools with allocated addresses cannot be deleted.`}
        confirmLabel="Delete"
        danger
        action={(p) =>
          actions.run(async () => {
            await unwrap(api.DELETE("/api/ip-pools/{id}", { params: { path: { id: p.id } } }));
            toast("Pool deleted");
            list.reload();
          })
        }
        onClose={() => setDeleting(undefined)}
      />
    </section>
  );
}
