import { createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { CopyButton } from "../../ui/CopyButton";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { type Errors, hasErrors, ipAddress, required } from "../../ui/forms";
import { ConfirmDialog, Modal } from "../../ui/Modal";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { createList, listParams } from "../list";
import type { Nas, Page } from "../types";

type NasSort = "name" | "address" | "created";

/** The shared secret is shown once, right after creation or rotation; copy it into the router. */
function SecretOnce(props: { name: string; secret: string; onClose: () => void }) {
  return (
    <Modal title={`Shared secret for ${props.name}`} onClose={props.onClose}>
      <p>This secret is shown only now. Copy it into the NAS configuration.</p>
      <p class="secret" data-testid="nas-secret">
        {props.secret}
      </p>
      <div class="actions">
        <CopyButton value={props.secret} label="Copy secret" />
        <button type="button" class="primary" onClick={() => props.onClose()}>
          Done
        </button>
      </div>
    </Modal>
  );
}

function NasForm(props: { nas?: Nas; onSaved: (secret?: string, name?: string) => void; onClose: () => void }) {
  const n = props.nas;
  const [name, setName] = createSignal(n?.name ?? "");
  const [ip, setIp] = createSignal(n?.ipAddress ?? "");
  const [type, setType] = createSignal<"mikrotik" | "generic">(n?.type === "generic" ? "generic" : "mikrotik");
  const [description, setDescription] = createSignal(n?.description ?? "");
  const [errors, setErrors] = createSignal<Errors<"name" | "ip">>({});
  const submit = async () => {
    const errs = { name: required(name(), "Name"), ip: ipAddress(ip(), "IP address") };
    setErrors(errs);
    if (hasErrors(errs)) return;
    const body = { name: name().trim(), ipAddress: ip().trim(), type: type(), description: description() };
    if (n) {
      await unwrap(api.PATCH("/api/nas/{id}", { params: { path: { id: n.id } }, body }));
      props.onSaved();
    } else {
      const res = await unwrap<{ nas: Nas; secret: string }>(api.POST("/api/nas", { body }));
      props.onSaved(res.secret, res.nas.name);
    }
  };
  return (
    <FormDialog
      title={n ? `Edit ${n.name}` : "New NAS device"}
      submitLabel={n ? "Save" : "Create NAS"}
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField label="Name" value={name()} onValue={setName} error={errors().name} />
      <TextField label="IP address" value={ip()} onValue={setIp} error={errors().ip} />
      <SelectField
        label="Type"
        value={type()}
        options={[
          { value: "mikrotik", label: "MikroTik" },
          { value: "generic", label: "Generic" },
        ]}
        onChange={(e) => setType(e.currentTarget.value === "generic" ? "generic" : "mikrotik")}
      />
      <TextField label="Description" value={description()} onValue={setDescription} />
    </FormDialog>
  );
}

export default function NasPage() {
  const list = createList<Nas>(
    (q) => unwrap<Page<Nas>>(api.GET("/api/nas", { params: { query: listParams<NasSort>(q) } })),
    { key: "name", order: "asc" },
  );
  const [editing, setEditing] = createSignal<Nas | "new">();
  const [secret, setSecret] = createSignal<{ name: string; secret: string }>();
  const [deleting, setDeleting] = createSignal<Nas>();
  const [rotating, setRotating] = createSignal<Nas>();
  const actions = createActionError();

  return (
    <section>
      <h1>NAS devices</h1>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        newLabel="New NAS"
        onNew={() => setEditing("new")}
      />
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Table
        {...list.table}
        caption="NAS devices"
        columns={[
          { key: "name", label: "Name", sortable: true },
          { key: "address", label: "IP address", sortable: true, render: (n) => n.ipAddress },
          { key: "type", label: "Type" },
          { key: "description", label: "Description" },
          {
            key: "actions",
            label: "Actions",
            render: (n) => (
              <div class="actions">
                <button type="button" onClick={() => setEditing(n)} aria-label={`Edit ${n.name}`}>
                  Edit
                </button>
                <button type="button" onClick={() => setRotating(n)} aria-label={`New secret for ${n.name}`}>
                  New secret
                </button>
                <button type="button" onClick={() => setDeleting(n)} aria-label={`Delete ${n.name}`}>
                  Delete
                </button>
              </div>
            ),
          },
        ]}
        rowKey={(n) => n.id}
        sort={list.sort()}
        onSort={(s) => s.key !== "type" && list.setSort(s)}
        empty="No NAS devices yet."
      />
      <Show when={editing()}>
        {(e) => (
          <NasForm
            nas={e() === "new" ? undefined : (e() as Nas)}
            onClose={() => setEditing(undefined)}
            onSaved={(s, name) => {
              setEditing(undefined);
              list.reload();
              if (s && name) setSecret({ name, secret: s });
              else toast("NAS saved");
            }}
          />
        )}
      </Show>
      <Show when={secret()}>
        {(s) => <SecretOnce name={s().name} secret={s().secret} onClose={() => setSecret(undefined)} />}
      </Show>
      <Show when={rotating()}>
        {(n) => (
          <ConfirmDialog
            title="Rotate shared secret"
            message={`Generate a new secret for ${n().name}? The router stops authenticating until you enter it there.`}
            confirmLabel="Rotate"
            onClose={() => setRotating(undefined)}
            onConfirm={() =>
              actions.run(async () => {
                const res = await unwrap<{ secret: string }>(
                  api.POST("/api/nas/{id}/rotate-secret", { params: { path: { id: n().id } }, body: {} }),
                );
                setRotating(undefined);
                setSecret({ name: n().name, secret: res.secret });
              })
            }
          />
        )}
      </Show>
      <Show when={deleting()}>
        {(n) => (
          <ConfirmDialog
            title="Delete NAS"
            message={`Delete ${n().name}? RADIUS requests from ${n().ipAddress} will be refused.`}
            confirmLabel="Delete"
            danger
            onClose={() => setDeleting(undefined)}
            onConfirm={() =>
              actions.run(async () => {
                await unwrap(api.DELETE("/api/nas/{id}", { params: { path: { id: n().id } } }));
                setDeleting(undefined);
                toast("NAS deleted");
                list.reload();
              })
            }
          />
        )}
      </Show>
    </section>
  );
}
