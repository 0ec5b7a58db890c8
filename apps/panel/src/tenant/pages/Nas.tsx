import { createResource, createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { CopyButton } from "../../ui/CopyButton";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { formatDate } from "../../ui/format";
import { type Errors, hasErrors, ipAddress, required } from "../../ui/forms";
import { ConfirmDialog, Modal } from "../../ui/Modal";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { LiveTraffic } from "../components/LiveTraffic";
import { NasHealthFacts, NasStatusBadge, probeText } from "../components/NasHealth";
import { createList, listParams } from "../list";
import { session } from "../session";
import type { Nas, NasEvent } from "../types";

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
  const [statusServer, setStatusServer] = createSignal(n?.statusServer ?? false);
  const [errors, setErrors] = createSignal<Errors<"name" | "ip">>({});
  const submit = async () => {
    const errs = { name: required(name(), "Name"), ip: ipAddress(ip(), "IP address") };
    setErrors(errs);
    if (hasErrors(errs)) return;
    const body = {
      name: name().trim(),
      ipAddress: ip().trim(),
      type: type(),
      description: description(),
      statusServer: statusServer(),
    };
    if (n) {
      await unwrap(api.PATCH("/api/nas/{id}", { params: { path: { id: n.id } }, body }));
      props.onSaved();
    } else {
      const res = await unwrap(api.POST("/api/nas", { body }));
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
      <CheckboxField
        label="Answers Status-Server (RFC 5997): probe it every minute"
        checked={statusServer()}
        onChange={(e) => setStatusServer(e.currentTarget.checked)}
      />
    </FormDialog>
  );
}

const EVENT_LABEL: Record<NasEvent["kind"], string> = {
  silent: "Went silent",
  back: "Back",
  accounting_gap: "Accounting stopped",
};

/** One NAS's live traffic and its health events (newest first), times in the tenant's zone. */
function NasDetail(props: { nas: Nas; onClose: () => void }) {
  const [events] = createResource(() =>
    unwrap(api.GET("/api/traffic/nas-events", { params: { query: { nasId: props.nas.id, limit: 20 } } })),
  );
  return (
    <Modal title={`${props.nas.name}: traffic and health`} onClose={props.onClose}>
      <NasHealthFacts health={props.nas.health} />
      <LiveTraffic kind="nas" id={props.nas.id} name={props.nas.name} />
      <h2>Health events</h2>
      <ErrorBanner error={events.error} />
      <Show when={events.latest?.items.length} fallback={<p class="muted">No health changes recorded.</p>}>
        <ul class="nas-events" data-testid="nas-events">
          <For each={events.latest?.items ?? []}>
            {(e) => (
              <li>
                {formatDate(e.createdAt)}: <strong>{EVENT_LABEL[e.kind]}</strong> {e.detail}
              </li>
            )}
          </For>
        </ul>
      </Show>
    </Modal>
  );
}

export default function NasPage() {
  const list = createList<Nas>((q) => unwrap(api.GET("/api/nas", { params: { query: listParams<NasSort>(q) } })), {
    key: "name",
    order: "asc",
  });
  const [editing, setEditing] = createSignal<Nas | "new">();
  const [secret, setSecret] = createSignal<{ name: string; secret: string }>();
  const [deleting, setDeleting] = createSignal<Nas>();
  const [rotating, setRotating] = createSignal<Nas>();
  const [detail, setDetail] = createSignal<Nas>();
  const actions = createActionError();
  // Adding, editing, rotating and deleting need nas.edit; nas.view alone sees health and traffic.
  const canEdit = () => session.can("nas.edit");

  return (
    <section>
      <h1>NAS devices</h1>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        newLabel="New NAS"
        canCreate={canEdit()}
        onNew={() => setEditing("new")}
      />
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Table
        {...list.table}
        caption="NAS devices"
        columns={[
          { key: "name", label: "Name", sortable: true },
          { key: "address", label: "IP address", sortable: true, render: (n) => n.ipAddress },
          {
            key: "status",
            label: "Status",
            render: (n) => <NasStatusBadge health={n.health} />,
          },
          { key: "lastSeen", label: "Last seen", render: (n) => formatDate(n.health?.lastSeenAt) },
          { key: "probe", label: "Status-Server", render: (n) => probeText(n.health) },
          { key: "type", label: "Type" },
          { key: "description", label: "Description" },
          {
            key: "actions",
            label: "Actions",
            render: (n) => (
              <div class="actions">
                <button type="button" onClick={() => setDetail(n)} aria-label={`Traffic of ${n.name}`}>
                  Traffic
                </button>
                <Show when={canEdit()}>
                  <button type="button" onClick={() => setEditing(n)} aria-label={`Edit ${n.name}`}>
                    Edit
                  </button>
                  <button type="button" onClick={() => setRotating(n)} aria-label={`New secret for ${n.name}`}>
                    New secret
                  </button>
                  <button type="button" onClick={() => setDeleting(n)} aria-label={`Delete ${n.name}`}>
                    Delete
                  </button>
                </Show>
              </div>
            ),
          },
        ]}
        rowKey={(n) => n.id}
        sort={list.sort()}
        onSort={(s) => (s.key === "name" || s.key === "address") && list.setSort(s)}
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
      <Show when={detail()}>{(n) => <NasDetail nas={n()} onClose={() => setDetail(undefined)} />}</Show>
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
                const res = await unwrap(
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
