import { createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { type Errors, hasErrors, intInRange, required, serverFieldErrors } from "../../ui/forms";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { createList, searchParam } from "../list";
import { session } from "../session";
import type { Ipv6Pool } from "../types";
import { Ipv6Allocations } from "./Ipv6Allocations";

type Field = "name" | "prefix" | "assignLength";

/** Shape only; host bits and overlaps with other pools are the server's word, shown beside the field. */
const PREFIX = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\/(\d|[1-9]\d|1[01]\d|12[0-8])$/;

/** A new pool, or an existing one renamed (its prefix and assign length are fixed once created). */
function Ipv6PoolForm(props: { pool?: Ipv6Pool; onDone: () => void; onClose: () => void }) {
  const p = props.pool;
  const [name, setName] = createSignal(p?.name ?? "");
  const [prefix, setPrefix] = createSignal(p?.prefix ?? "");
  const [assign, setAssign] = createSignal(String(p?.assignLength ?? 64));
  const [errors, setErrors] = createSignal<Errors<Field>>({});
  const submit = async () => {
    const errs: Errors<Field> = {
      name: required(name(), "Name"),
      prefix: p || PREFIX.test(prefix().trim()) ? undefined : "Enter a prefix like 2001:db8::/48.",
      assignLength: p ? undefined : intInRange(assign(), "Assign length", 1, 128),
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    try {
      if (p) {
        await unwrap(
          api.PATCH("/api/ipv6-pools/{id}", { params: { path: { id: p.id } }, body: { name: name().trim() } }),
        );
      } else {
        await unwrap(
          api.POST("/api/ipv6-pools", {
            body: { name: name().trim(), prefix: prefix().trim(), assignLength: Number(assign()) },
          }),
        );
      }
    } catch (err) {
      setErrors({ ...errors(), ...(serverFieldErrors(err) as Errors<Field>) });
      throw err;
    }
    toast(p ? "IPv6 pool saved" : "IPv6 pool created");
    props.onDone();
  };
  return (
    <FormDialog
      title={p ? `Edit ${p.name}` : "New IPv6 pool"}
      submitLabel={p ? "Save" : "Create IPv6 pool"}
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField label="Name" value={name()} onValue={setName} error={errors().name} />
      <div class="form-row">
        <TextField label="Prefix" value={prefix()} onValue={setPrefix} error={errors().prefix} disabled={Boolean(p)} />
        <TextField
          label="Assign length"
          inputmode="numeric"
          value={assign()}
          onValue={setAssign}
          error={errors().assignLength}
          disabled={Boolean(p)}
          hint="Each subscriber gets one prefix of this length, e.g. 64 or 56."
        />
      </div>
    </FormDialog>
  );
}

/** IPv6 pools: the prefixes plans hand out as Framed-IPv6-Prefix or by prefix delegation. */
export function Ipv6PoolsSection() {
  const list = createList<Ipv6Pool>(
    (q) =>
      unwrap(
        api.GET("/api/ipv6-pools", {
          params: { query: { page: q.page, limit: q.limit, search: searchParam(q.search) } },
        }),
      ),
    { key: "name", order: "asc" },
  );
  const [editing, setEditing] = createSignal<Ipv6Pool | "new">();
  const [deleting, setDeleting] = createSignal<Ipv6Pool>();
  const [viewing, setViewing] = createSignal<Ipv6Pool>();
  const actions = createActionError();
  // pools.view lists pools and who holds their prefixes; creating, renaming and deleting need pools.edit.
  const canEdit = () => session.can("pools.edit");
  return (
    <section aria-labelledby="ipv6-pools-heading">
      <h2 id="ipv6-pools-heading">IPv6 pools</h2>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        newLabel="New IPv6 pool"
        canCreate={canEdit()}
        onNew={() => setEditing("new")}
      />
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Table
        {...list.table}
        caption="IPv6 pools"
        columns={[
          { key: "name", label: "Name" },
          { key: "prefix", label: "Prefix" },
          { key: "assignLength", label: "Assigns", render: (p) => `/${p.assignLength}` },
          { key: "used", label: "In use", render: (p) => `${p.used} of ${p.size}` },
          {
            key: "actions",
            label: "Actions",
            render: (p) => (
              <div class="actions">
                <button type="button" onClick={() => setViewing(p)} aria-label={`Prefixes of ${p.name}`}>
                  Prefixes
                </button>
                <Show when={canEdit()}>
                  <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                    Edit
                  </button>
                  <button type="button" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>
                    Delete
                  </button>
                </Show>
              </div>
            ),
          },
        ]}
        rowKey={(p) => p.id}
        empty="No IPv6 pools yet."
      />
      <Show when={editing()}>
        {(e) => (
          <Ipv6PoolForm
            pool={e() === "new" ? undefined : (e() as Ipv6Pool)}
            onClose={() => setEditing(undefined)}
            onDone={() => {
              setEditing(undefined);
              list.reload();
            }}
          />
        )}
      </Show>
      <Show when={viewing()}>{(p) => <Ipv6Allocations pool={p()} onClose={() => setViewing(undefined)} />}</Show>
      <ConfirmAction
        item={deleting()}
        title="Delete IPv6 pool"
        message={(p) => `Delete ${p.name}? Pools with prefixes in use or used by plans cannot be deleted.`}
        confirmLabel="Delete"
        danger
        action={(p) =>
          actions.run(async () => {
            await unwrap(api.DELETE("/api/ipv6-pools/{id}", { params: { path: { id: p.id } } }));
            toast("IPv6 pool deleted");
            list.reload();
          })
        }
        onClose={() => setDeleting(undefined)}
      />
    </section>
  );
}
