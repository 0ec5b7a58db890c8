import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { Badge } from "../../ui/Badge";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";

type OutboxRow = ApiItem<"/api/notifications/outbox">;
type AuthKind = "none" | "basic" | "bearer" | "header";

const TONE = { pending: "neutral", sent: "ok", delivered: "ok", failed: "bad" } as const;

/** Days before expiry the reminder goes out, on the tenant's calendar. */
export function ReminderSettings() {
  const [settings, { refetch }] = createResource(() => unwrap(api.GET("/api/notifications/settings")));
  const [days, setDays] = createSignal("");
  const [error, setError] = createSignal<unknown>();
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    try {
      await unwrap(api.PUT("/api/notifications/settings", { body: { expiryReminderDays: Number(days()) } }));
      toast("Reminder setting saved");
      void refetch();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={save} aria-label="Reminders">
      <h2>Reminders</h2>
      <ErrorBanner error={error() ?? settings.error} />
      <TextField
        label="Expiry reminder, days before"
        type="number"
        min="0"
        max="60"
        hint="0 turns reminders off. Counted on the workspace's timezone; sent once per expiry date."
        value={days() || String(settings()?.expiryReminderDays ?? "")}
        onValue={setDays}
      />
      <div class="actions">
        <button type="submit" class="primary">
          Save
        </button>
      </div>
    </form>
  );
}

/**
 * The SMS gateway. Credentials are write-only: the API shows back only the provider, sender and a
 * summary, so replacing the gateway means entering them again.
 */
export function SmsGatewaySettings() {
  const [current, { refetch }] = createResource(() => unwrap(api.GET("/api/notifications/sms")).then((r) => r.sms));
  const [provider, setProvider] = createSignal<"http" | "twilio">("twilio");
  const [sender, setSender] = createSignal("");
  const [enabled, setEnabled] = createSignal(true);
  const [accountSid, setAccountSid] = createSignal("");
  const [authToken, setAuthToken] = createSignal("");
  const [serviceSid, setServiceSid] = createSignal("");
  const [url, setUrl] = createSignal("");
  const [method, setMethod] = createSignal<"GET" | "POST">("POST");
  const [bodyFormat, setBodyFormat] = createSignal<"none" | "form" | "json">("form");
  const [bodyTemplate, setBodyTemplate] = createSignal("to={to}&from={sender}&text={body}");
  const [authKind, setAuthKind] = createSignal<AuthKind>("none");
  const [user, setUser] = createSignal("");
  const [secret, setSecret] = createSignal("");
  const [headerName, setHeaderName] = createSignal("");
  const [successMatch, setSuccessMatch] = createSignal("");
  const [messageIdRegex, setMessageIdRegex] = createSignal("");
  const [testTo, setTestTo] = createSignal("");
  const [error, setError] = createSignal<unknown>();

  const auth = () => {
    const k = authKind();
    if (k === "basic") return { kind: k, username: user(), password: secret() };
    if (k === "bearer") return { kind: k, token: secret() };
    if (k === "header") return { kind: k, name: headerName(), value: secret() };
    return { kind: "none" as const };
  };
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(undefined);
    const common = { enabled: enabled(), sender: sender() };
    const body =
      provider() === "twilio"
        ? {
            ...common,
            provider: "twilio" as const,
            config: { accountSid: accountSid(), authToken: authToken(), messagingServiceSid: serviceSid() },
          }
        : {
            ...common,
            provider: "http" as const,
            config: {
              url: url(),
              method: method(),
              bodyFormat: method() === "GET" ? ("none" as const) : bodyFormat(),
              bodyTemplate: bodyTemplate(),
              auth: auth(),
              successMatch: successMatch(),
              messageIdRegex: messageIdRegex(),
            },
          };
    try {
      await unwrap(api.PUT("/api/notifications/sms", { body }));
      setAuthToken("");
      setSecret("");
      toast("SMS gateway saved");
      void refetch();
    } catch (err) {
      setError(err);
    }
  };
  const toggle = async () => {
    const c = current();
    if (!c) return;
    try {
      await unwrap(api.PATCH("/api/notifications/sms", { body: { enabled: !c.enabled } }));
      void refetch();
    } catch (err) {
      setError(err);
    }
  };
  const test = async () => {
    setError(undefined);
    try {
      const r = await unwrap(api.POST("/api/notifications/sms/test", { body: { to: testTo() } }));
      toast(`Test SMS accepted${r.providerMessageId ? ` (${r.providerMessageId})` : ""}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-label="SMS gateway">
      <h2>SMS gateway</h2>
      <ErrorBanner error={error() ?? current.error} />
      <Show when={current()} fallback={<p>No gateway yet: SMS templates are queued but not sent.</p>}>
        {(c) => (
          <div>
            <p>
              <strong>{c().provider === "twilio" ? "Twilio" : "HTTP gateway"}</strong>, sender “{c().sender}”{" "}
              <Badge tone={c().enabled ? "ok" : "neutral"}>{c().enabled ? "on" : "off"}</Badge>{" "}
              {Object.entries(c().publicInfo)
                .filter(([, v]) => v)
                .map(([k, v]) => `${k}: ${v}`)
                .join(", ")}
            </p>
            <div class="actions">
              <button type="button" onClick={toggle}>
                {c().enabled ? "Switch off" : "Switch on"}
              </button>
              <TextField label="Test number" value={testTo()} onValue={setTestTo} placeholder="+15551234567" />
              <button type="button" onClick={test}>
                Send test SMS
              </button>
            </div>
          </div>
        )}
      </Show>
      <form onSubmit={save} noValidate>
        <h3>{current() ? "Replace gateway" : "Set up a gateway"}</h3>
        <SelectField
          label="Provider"
          value={provider()}
          options={[
            { value: "twilio", label: "Twilio" },
            { value: "http", label: "Generic HTTP gateway" },
          ]}
          onChange={(e) => setProvider(e.currentTarget.value as "http" | "twilio")}
        />
        <TextField
          label="Sender"
          hint="A number or an alphanumeric id, as the gateway allows."
          value={sender()}
          onValue={setSender}
        />
        <CheckboxField label="Enabled" checked={enabled()} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <Show when={provider() === "twilio"}>
          <TextField label="Account SID" value={accountSid()} onValue={setAccountSid} />
          <TextField label="Auth token" type="password" autocomplete="off" value={authToken()} onValue={setAuthToken} />
          <TextField label="Messaging Service SID (optional)" value={serviceSid()} onValue={setServiceSid} />
        </Show>
        <Show when={provider() === "http"}>
          <TextField
            label="URL"
            hint="{to}, {body} and {sender} are replaced (URL-encoded)."
            value={url()}
            onValue={setUrl}
          />
          <SelectField
            label="Method"
            value={method()}
            options={[
              { value: "POST", label: "POST" },
              { value: "GET", label: "GET" },
            ]}
            onChange={(e) => setMethod(e.currentTarget.value as "GET" | "POST")}
          />
          <Show when={method() === "POST"}>
            <SelectField
              label="Body"
              value={bodyFormat()}
              options={[
                { value: "form", label: "Form fields" },
                { value: "json", label: "JSON" },
                { value: "none", label: "None" },
              ]}
              onChange={(e) => setBodyFormat(e.currentTarget.value as "none" | "form" | "json")}
            />
            <TextAreaField label="Body template" rows={3} value={bodyTemplate()} onValue={setBodyTemplate} />
          </Show>
          <SelectField
            label="Authentication"
            value={authKind()}
            options={[
              { value: "none", label: "None" },
              { value: "basic", label: "Basic" },
              { value: "bearer", label: "Bearer token" },
              { value: "header", label: "Custom header" },
            ]}
            onChange={(e) => setAuthKind(e.currentTarget.value as AuthKind)}
          />
          <Show when={authKind() === "basic"}>
            <TextField label="Username" value={user()} onValue={setUser} />
          </Show>
          <Show when={authKind() === "header"}>
            <TextField label="Header name" value={headerName()} onValue={setHeaderName} />
          </Show>
          <Show when={authKind() !== "none"}>
            <TextField label="Secret" type="password" autocomplete="off" value={secret()} onValue={setSecret} />
          </Show>
          <TextField
            label="Success text (optional)"
            hint="Besides a 2xx status, the answer must contain this."
            value={successMatch()}
            onValue={setSuccessMatch}
          />
          <TextField
            label="Message id regex (optional)"
            hint="Its first group is kept as the message id."
            value={messageIdRegex()}
            onValue={setMessageIdRegex}
          />
        </Show>
        <div class="actions">
          <button type="submit" class="primary">
            Save gateway
          </button>
        </div>
      </form>
    </section>
  );
}

/** What was sent to whom, with the provider's message id and the last error. */
export function OutboxView() {
  const [page, setPage] = createSignal(1);
  const [status, setStatus] = createSignal("");
  const [rows] = createResource(
    () => ({ page: page(), status: status() }),
    (q) =>
      unwrap(
        api.GET("/api/notifications/outbox", {
          params: {
            query: {
              page: q.page,
              limit: 25,
              ...(q.status ? { status: q.status as OutboxRow["status"] } : {}),
            },
          },
        }),
      ),
  );
  return (
    <section aria-label="Outbox">
      <h2>Outbox</h2>
      <SelectField
        label="Status"
        value={status()}
        options={[
          { value: "", label: "All" },
          { value: "pending", label: "Pending" },
          { value: "sent", label: "Sent" },
          { value: "delivered", label: "Delivered" },
          { value: "failed", label: "Failed" },
        ]}
        onChange={(e) => {
          setStatus(e.currentTarget.value);
          setPage(1);
        }}
      />
      <ErrorBanner error={rows.error} />
      <Table
        caption="Messages"
        columns={[
          { key: "createdAt", label: "Queued", render: (r) => formatDate(r.createdAt) },
          { key: "event", label: "Event" },
          { key: "channel", label: "Channel" },
          { key: "recipient", label: "To" },
          {
            key: "status",
            label: "Status",
            render: (r) => <Badge tone={TONE[r.status]}>{r.status}</Badge>,
          },
          { key: "attempts", label: "Attempts" },
          { key: "providerMessageId", label: "Provider id", render: (r) => r.providerMessageId ?? "—" },
          { key: "lastError", label: "Last error", render: (r) => r.lastError ?? "—" },
        ]}
        rows={rows()?.items ?? []}
        rowKey={(r) => String(r.id)}
        loading={rows.loading}
        page={rows() ? { page: rows()?.page ?? 1, limit: rows()?.limit ?? 25, total: rows()?.total ?? 0 } : undefined}
        onPage={setPage}
        empty="Nothing queued yet."
      />
    </section>
  );
}
