import { PERMISSIONS } from "@proxpanel/auth/permissions";
import { createResource, createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { type Errors, emailAddress, hasErrors, newPassword, required } from "../../ui/forms";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";

type User = ApiItem<"/api/users">;
type Group = ApiItem<"/api/permission-groups">;

function UserForm(props: { groups: Group[]; onDone: () => void; onClose: () => void }) {
  const [email, setEmail] = createSignal("");
  const [name, setName] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [groupId, setGroupId] = createSignal("");
  const [errors, setErrors] = createSignal<Errors<"email" | "password">>({});
  const submit = async () => {
    const errs = {
      email: emailAddress(email()),
      password: newPassword(password()),
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    await unwrap(
      api.POST("/api/users", {
        body: {
          email: email().trim(),
          name: name().trim() || undefined,
          password: password(),
          permissionGroupId: groupId() || null,
        },
      }),
    );
    toast("User created");
    props.onDone();
  };
  return (
    <FormDialog title="New admin user" submitLabel="Create user" onSubmit={submit} onClose={props.onClose}>
      <TextField label="E-mail" type="email" value={email()} onValue={setEmail} error={errors().email} />
      <TextField label="Name" value={name()} onValue={setName} />
      <TextField
        label="Password"
        type="password"
        autocomplete="new-password"
        value={password()}
        onValue={setPassword}
        error={errors().password}
      />
      <SelectField
        label="Permission group"
        value={groupId()}
        placeholder="None (no permissions)"
        options={props.groups.map((g) => ({ value: g.id, label: g.name }))}
        onChange={(e) => setGroupId(e.currentTarget.value)}
      />
    </FormDialog>
  );
}

function GroupForm(props: { group?: Group; onDone: () => void; onClose: () => void }) {
  const g = props.group;
  const [name, setName] = createSignal(g?.name ?? "");
  const [description, setDescription] = createSignal(g?.description ?? "");
  const [perms, setPerms] = createSignal(new Set(g?.permissions ?? []));
  const [nameError, setNameError] = createSignal<string>();
  const toggle = (p: string, on: boolean) => {
    const next = new Set(perms());
    if (on) next.add(p);
    else next.delete(p);
    setPerms(next);
  };
  const submit = async () => {
    setNameError(required(name(), "Name"));
    if (nameError()) return;
    const body = { name: name().trim(), description: description().trim(), permissions: [...perms()] };
    if (g) await unwrap(api.PATCH("/api/permission-groups/{id}", { params: { path: { id: g.id } }, body }));
    else await unwrap(api.POST("/api/permission-groups", { body }));
    toast("Group saved");
    props.onDone();
  };
  return (
    <FormDialog
      title={g ? `Edit ${g.name}` : "New permission group"}
      submitLabel="Save group"
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField label="Name" value={name()} onValue={setName} error={nameError()} />
      <TextField label="Description" value={description()} onValue={setDescription} />
      <fieldset class="perm-grid">
        <legend>Permissions</legend>
        <For each={[...PERMISSIONS]}>
          {(p) => (
            <CheckboxField label={p} checked={perms().has(p)} onChange={(e) => toggle(p, e.currentTarget.checked)} />
          )}
        </For>
      </fieldset>
    </FormDialog>
  );
}

/** Admin users of the workspace and the permission groups that say what each may do. */
export default function UsersPage() {
  const [users, { refetch }] = createResource(() =>
    unwrap(api.GET("/api/users", { params: { query: { limit: 100 } } })),
  );
  const [groups, { refetch: refetchGroups }] = createResource(() =>
    unwrap(api.GET("/api/permission-groups")).then((r) => r.items),
  );
  const [creating, setCreating] = createSignal(false);
  const [editingGroup, setEditingGroup] = createSignal<Group | "new">();
  const [deleting, setDeleting] = createSignal<User>();
  const actions = createActionError();
  const groupName = (id: string | null) => groups()?.find((g) => g.id === id)?.name ?? "—";
  const act = (fn: () => Promise<unknown>, msg: string) =>
    actions.run(async () => {
      await fn();
      toast(msg);
      void refetch();
    });
  const path = (u: User) => ({ params: { path: { id: u.id } } });
  return (
    <section>
      <h1>Admin users</h1>
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New user
        </button>
      </div>
      <ErrorBanner error={actions.error() ?? users.error} onDismiss={actions.dismiss} />
      <Table
        caption="Admin users"
        columns={[
          { key: "email", label: "E-mail" },
          { key: "name", label: "Name" },
          { key: "group", label: "Group", render: (u) => (u.isOwner ? "owner" : groupName(u.permissionGroupId)) },
          {
            key: "status",
            label: "Status",
            render: (u) => <Badge tone={u.status === "active" ? "ok" : "bad"}>{u.status}</Badge>,
          },
          {
            key: "actions",
            label: "Actions",
            render: (u) => (
              <Show when={!u.isOwner}>
                <div class="actions">
                  <Show
                    when={u.status === "active"}
                    fallback={
                      <button
                        type="button"
                        onClick={() => act(() => unwrap(api.POST("/api/users/{id}/enable", path(u))), "User enabled")}
                      >
                        Enable
                      </button>
                    }
                  >
                    <button
                      type="button"
                      onClick={() => act(() => unwrap(api.POST("/api/users/{id}/disable", path(u))), "User disabled")}
                    >
                      Disable
                    </button>
                  </Show>
                  <button type="button" onClick={() => setDeleting(u)} aria-label={`Delete ${u.email}`}>
                    Delete
                  </button>
                </div>
              </Show>
            ),
          },
        ]}
        rows={users.latest?.items ?? []}
        rowKey={(u) => u.id}
        loading={users.loading}
      />
      <h2>Permission groups</h2>
      <div class="toolbar">
        <button type="button" onClick={() => setEditingGroup("new")}>
          New group
        </button>
      </div>
      <ErrorBanner error={groups.error} />
      <Table
        caption="Permission groups"
        columns={[
          { key: "name", label: "Name" },
          { key: "description", label: "Description" },
          { key: "permissions", label: "Permissions", render: (g) => g.permissions.join(", ") },
          {
            key: "actions",
            label: "Actions",
            render: (g) => (
              <button type="button" onClick={() => setEditingGroup(g)} aria-label={`Edit group ${g.name}`}>
                Edit
              </button>
            ),
          },
        ]}
        rows={groups() ?? []}
        rowKey={(g) => g.id}
        empty="No groups yet."
      />
      <Show when={creating()}>
        <UserForm
          groups={groups() ?? []}
          onClose={() => setCreating(false)}
          onDone={() => {
            setCreating(false);
            void refetch();
          }}
        />
      </Show>
      <Show when={editingGroup()}>
        {(g) => (
          <GroupForm
            group={g() === "new" ? undefined : (g() as Group)}
            onClose={() => setEditingGroup(undefined)}
            onDone={() => {
              setEditingGroup(undefined);
              void refetchGroups();
            }}
          />
        )}
      </Show>
      <ConfirmAction
        item={deleting()}
        title="Delete user"
        message={(u) => `Delete ${u.email}? They are signed out everywhere.`}
        confirmLabel="Delete"
        danger
        action={(u) => act(() => unwrap(api.DELETE("/api/users/{id}", path(u))), "User deleted")}
        onClose={() => setDeleting(undefined)}
      />
    </section>
  );
}
