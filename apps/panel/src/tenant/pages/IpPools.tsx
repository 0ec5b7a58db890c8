import { createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { type Errors, hasErrors, required, serverFieldErrors } from "../../ui/forms";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { Ipv6PoolsSection } from "../components/Ipv6Pools";
import { createList, searchParam } from "../list";
import { session } from "../session";
import type { IpPool } from "../types";

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

type PoolField = "name" | "cidr" | "gateway";

/** New pool (name, network, gateway) or an existing one (name and gateway; the network is fixed). */
function PoolForm(props: { pool?: IpPool; onDone: () => void; onClose: () => void }) {
  const p = props.pool;
  const [name, setName] = createSignal(p?.name ?? "");
  const [cidr, setCidr] = createSignal(p?.cidr ?? "");
  const [gateway, setGateway] = createSignal(p?.gateway ?? "");
  const [errors, setErrors] = createSignal<Errors<PoolField>>({});
  const submit = async () => {
    const gw = gateway().trim();
    const errs: Errors<PoolField> = {
      name: required(name(), "Name"),
      cidr: p || CIDR.test(cidr().trim()) ? undefined : "Enter a network like 10.10.0.0/24.",
      gateway: gw && !IPV4.test(gw) ? "An IPv4 address like 10.10.0.1." : undefined,
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    try {
      if (p) {
        await unwrap(
          api.PATCH("/api/ip-pools/{id}", {
            params: { path: { id: p.id } },
            body: { name: name().trim(), gateway: gw || null },
          }),
        );
      } else {
        await unwrap(
          api.POST("/api/ip-pools", { body: { name: name().trim(), cidr: cidr().trim(), gateway: gw || null } }),
        );
      }
    } catch (err) {
      setErrors({ ...errors(), ...(serverFieldErrors(err) as Errors<PoolField>) });
      throw err;
    }
    toast(p ? "Pool saved" : "Pool created");
    props.onDone();
  };
  return (
    <FormDialog
      title={p ? `Edit ${p.name}` : "New IP pool"}
      submitLabel={p ? "Save" : "Create pool"}
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField label="Name" value={name()} onValue={setName} error={errors().name} />
      <TextField label="Network (CIDR)" value={cidr()} onValue={setCidr} error={errors().cidr} disabled={Boolean(p)} />
      <TextField
        label="Gateway"
        inputmode="decimal"
        value={gateway()}
        onValue={setGateway}
        error={errors().gateway}
        hint="Kept out of allocation. Empty: none (usually the network's first address)."
      />
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
  const [editing, setEditing] = createSignal<IpPool | "new">();
  const [deleting, setDeleting] = createSignal<IpPool>();
  const actions = createActionError();
  const canEdit = () => session.can("pools.edit");
  return (
    <section>
      <h1>IP pools</h1>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        newLabel="New pool"
        canCreate={canEdit()}
        onNew={() => setEditing("new")}
      />
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Table
        {...list.table}
        caption="IP pools"
        columns={[
          { key: "name", label: "Name" },
          { key: "cidr", label: "Network" },
          { key: "range", label: "Range", render: (p) => `${p.rangeStart ?? "—"} – ${p.rangeEnd ?? "—"}` },
          { key: "gateway", label: "Gateway", render: (p) => p.gateway ?? "none" },
          {
            key: "actions",
            label: "Actions",
            render: (p) => (
              <Show when={canEdit()}>
                <div class="actions">
                  <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                    Edit
                  </button>
                  <button type="button" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>
                    Delete
                  </button>
                </div>
              </Show>
            ),
          },
        ]}
        rowKey={(p) => p.id}
        empty="No IP pools yet."
      />
      <Show when={editing()}>
        {(e) => (
          <PoolForm
            pool={e() === "new" ? undefined : (e() as IpPool)}
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
      <Ipv6PoolsSection />
    </section>
  );
}
