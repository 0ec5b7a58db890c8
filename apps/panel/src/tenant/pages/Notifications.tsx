import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../ui/Field";
import { Modal } from "../../ui/Modal";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { OutboxView, ReminderSettings, SmsGatewaySettings } from "./NotificationDelivery";

type Event = "expiry_reminder" | "quota_warning" | "invoice" | "payment_received" | "suspension";
type Channel = "email" | "sms";
type Template = ApiItem<"/api/notifications/templates">;
const EVENTS: { value: Event; label: string }[] = [
  { value: "expiry_reminder", label: "Expiry reminder" },
  { value: "quota_warning", label: "Quota warning" },
  { value: "invoice", label: "Invoice" },
  { value: "payment_received", label: "Payment received" },
  { value: "suspension", label: "Suspension" },
];

function TemplateForm(props: { template?: Template; onDone: () => void; onClose: () => void }) {
  const t = props.template;
  const [event, setEvent] = createSignal<Event>(t?.event ?? "expiry_reminder");
  const [channel, setChannel] = createSignal<Channel>(t?.channel ?? "email");
  const [subject, setSubject] = createSignal(t?.subject ?? "");
  const [body, setBody] = createSignal(t?.body ?? "");
  const [active, setActive] = createSignal(t?.isActive ?? true);
  const [bodyError, setBodyError] = createSignal<string>();
  const [preview, setPreview] = createSignal<{ subject: string; body: string }>();
  const [error, setError] = createSignal<unknown>();
  const showPreview = async () => {
    setError(undefined);
    try {
      setPreview(
        await unwrap(
          api.POST("/api/notifications/preview", {
            body: { event: event(), channel: channel(), subject: subject(), body: body() },
          }),
        ),
      );
    } catch (err) {
      setError(err);
    }
  };
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setBodyError(body().trim() ? undefined : "The message body is required.");
    if (!body().trim()) return;
    try {
      if (t) {
        await unwrap(
          api.PATCH("/api/notifications/templates/{id}", {
            params: { path: { id: t.id } },
            body: { subject: subject(), body: body(), isActive: active() },
          }),
        );
      } else {
        await unwrap(
          api.POST("/api/notifications/templates", {
            body: { event: event(), channel: channel(), subject: subject(), body: body(), isActive: active() },
          }),
        );
      }
      toast("Template saved");
      props.onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title={t ? "Edit template" : "New template"} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorBanner error={error()} />
        <SelectField
          label="Event"
          value={event()}
          disabled={!!t}
          options={EVENTS}
          onChange={(e) => setEvent(e.currentTarget.value as Event)}
        />
        <SelectField
          label="Channel"
          value={channel()}
          disabled={!!t}
          options={[
            { value: "email", label: "E-mail" },
            { value: "sms", label: "SMS" },
          ]}
          onChange={(e) => setChannel(e.currentTarget.value as Channel)}
        />
        <Show when={channel() === "email"}>
          <TextField label="Subject" value={subject()} onValue={setSubject} />
        </Show>
        <TextAreaField
          label="Body"
          rows={6}
          hint="Variables such as {{subscriber.username}} are filled in when sent."
          value={body()}
          onValue={setBody}
          error={bodyError()}
        />
        <CheckboxField label="Active" checked={active()} onChange={(e) => setActive(e.currentTarget.checked)} />
        <Show when={preview()}>
          {(p) => (
            <section class="card" aria-label="Preview">
              <Show when={p().subject}>
                <strong>{p().subject}</strong>
              </Show>
              <pre style={{ "white-space": "pre-wrap" }}>{p().body}</pre>
            </section>
          )}
        </Show>
        <div class="actions">
          <button type="button" onClick={showPreview}>
            Preview
          </button>
          <button type="button" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Save template
          </button>
        </div>
      </form>
    </Modal>
  );
}

export default function NotificationsPage() {
  const [templates, { refetch }] = createResource(() =>
    unwrap(api.GET("/api/notifications/templates")).then((r) => r.items),
  );
  const [editing, setEditing] = createSignal<Template | "new">();
  const [deleting, setDeleting] = createSignal<Template>();
  const actions = createActionError();
  const label = (e: Event) => EVENTS.find((x) => x.value === e)?.label ?? e;
  return (
    <section>
      <h1>Notification templates</h1>
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => setEditing("new")}>
          New template
        </button>
      </div>
      <ErrorBanner error={actions.error() ?? templates.error} onDismiss={actions.dismiss} />
      <Table
        caption="Templates"
        columns={[
          { key: "event", label: "Event", render: (t) => label(t.event) },
          { key: "channel", label: "Channel" },
          { key: "subject", label: "Subject" },
          {
            key: "isActive",
            label: "Status",
            render: (t) => <Badge tone={t.isActive ? "ok" : "neutral"}>{t.isActive ? "active" : "off"}</Badge>,
          },
          {
            key: "actions",
            label: "Actions",
            render: (t) => (
              <div class="actions">
                <button type="button" onClick={() => setEditing(t)}>
                  Edit
                </button>
                <button type="button" onClick={() => setDeleting(t)}>
                  Delete
                </button>
              </div>
            ),
          },
        ]}
        rows={templates() ?? []}
        rowKey={(t) => t.id}
        loading={templates.loading}
        empty="No templates: the built-in texts are used."
      />
      <Show when={editing()}>
        {(t) => (
          <TemplateForm
            template={t() === "new" ? undefined : (t() as Template)}
            onClose={() => setEditing(undefined)}
            onDone={() => {
              setEditing(undefined);
              void refetch();
            }}
          />
        )}
      </Show>
      <ConfirmAction
        item={deleting()}
        title="Delete template"
        message={(t) => `Delete the ${t.channel} template for ${label(t.event)}?`}
        confirmLabel="Delete"
        danger
        action={(t) =>
          actions.run(async () => {
            await unwrap(api.DELETE("/api/notifications/templates/{id}", { params: { path: { id: t.id } } }));
            toast("Template deleted");
            void refetch();
          })
        }
        onClose={() => setDeleting(undefined)}
      />
      <ReminderSettings />
      <SmsGatewaySettings />
      <OutboxView />
    </section>
  );
}
