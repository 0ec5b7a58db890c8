import { A } from "@solidjs/router";
import { createResource, createSignal, Show } from "solid-js";
import { ApiError, api, downloadFile, unwrap } from "../../api/client";
import type { ApiData } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge, type BadgeTone } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { displayTimezone, formatBytes, formatDate, fromZonedInput, toZonedInput } from "../../ui/format";
import {
  EMAIL_RE,
  type Errors,
  hasErrors,
  optionalInt,
  optionalIntInRange,
  required,
  serverFieldErrors,
} from "../../ui/forms";
import { Modal } from "../../ui/Modal";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { createSubmit } from "../../ui/submit";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { TrafficChart } from "../../ui/TrafficChart";
import { BulkMessage } from "../components/BulkMessage";
import { asImportReport, ImportReport, type ImportReportData } from "../components/ImportReport";
import { LiveTraffic } from "../components/LiveTraffic";
import { createList, listParams } from "../list";
import { session } from "../session";
import type { Page, Plan, Subscriber, SubscriberRow } from "../types";

type SubscriberSort = "username" | "created" | "expires" | "status";
type StatusFilter = "" | "active" | "disabled" | "expired";
const USERNAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;

const statusTone = (s: string): BadgeTone => (s === "active" ? "ok" : s === "expired" ? "warn" : "bad");

/** The plans for filters and forms; a user without plans.view gets none rather than a failed page. */
function usePlans() {
  const [plans] = createResource(() =>
    unwrap<Page<Plan>>(api.GET("/api/plans", { params: { query: { limit: 100, sort: "name", order: "asc" } } })).catch(
      (): Page<Plan> => ({ items: [], total: 0, page: 1, limit: 100 }),
    ),
  );
  return () => plans()?.items ?? [];
}

type SubscriberField =
  | "username"
  | "password"
  | "planId"
  | "email"
  | "staticIp"
  | "macAddress"
  | "expiresAt"
  | "ipPoolId"
  | "address"
  | "notes"
  | "simultaneousUse"
  | "staticIpv6Prefix"
  | "delegatedIpv6Prefix";

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const V6_PREFIX_RE = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\/(\d|[1-9]\d|1[01]\d|12[0-8])$/;
const V6_HINT = "An IPv6 prefix like 2001:db8:1::/64.";
const MAC_RE = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;

/** Every field of a subscriber the API takes, expiry on the tenant's clock. */
function SubscriberForm(props: { subscriber?: Subscriber; plans: Plan[]; onDone: () => void; onClose: () => void }) {
  const s = props.subscriber;
  const [username, setUsername] = createSignal(s?.username ?? "");
  const [password, setPassword] = createSignal("");
  const [fullName, setFullName] = createSignal(s?.fullName ?? "");
  const [email, setEmail] = createSignal(s?.email ?? "");
  const [phone, setPhone] = createSignal(s?.phone ?? "");
  const [notifyEmail, setNotifyEmail] = createSignal(s?.notifyEmail ?? true);
  const [notifySms, setNotifySms] = createSignal(s?.notifySms ?? true);
  const [address, setAddress] = createSignal(s?.address ?? "");
  const [notes, setNotes] = createSignal(s?.notes ?? "");
  const [planId, setPlanId] = createSignal(s?.planId ?? props.plans[0]?.id ?? "");
  const [staticIp, setStaticIp] = createSignal(s?.staticIp ?? "");
  const [poolId, setPoolId] = createSignal(s?.ipPoolId ?? "");
  const [mac, setMac] = createSignal(s?.macAddress ?? "");
  const [macLock, setMacLock] = createSignal(s?.macLockOnFirstLogin ?? false);
  const [expires, setExpires] = createSignal(toZonedInput(s?.expiresAt));
  const [simUse, setSimUse] = createSignal(s?.simultaneousUse == null ? "" : String(s.simultaneousUse));
  const [v6Prefix, setV6Prefix] = createSignal(s?.staticIpv6Prefix ?? "");
  const [pdPrefix, setPdPrefix] = createSignal(s?.delegatedIpv6Prefix ?? "");
  const [pools] = createResource(() => unwrap(api.GET("/api/ip-pools", { params: { query: { limit: 100 } } })));
  const [errors, setErrors] = createSignal<Errors<SubscriberField>>({});
  const submit = async () => {
    const errs: Errors<SubscriberField> = {
      username: USERNAME_RE.test(username()) ? undefined : "Letters, digits and . _ @ - only, at most 64.",
      password:
        !s || password()
          ? password().length >= 4 && password().length <= 64
            ? undefined
            : "Password must be 4 to 64 characters."
          : undefined,
      planId: s ? undefined : required(planId(), "Plan"),
      email: email() && !EMAIL_RE.test(email()) ? "Enter a valid e-mail address." : undefined,
      staticIp: staticIp().trim() && !IPV4_RE.test(staticIp().trim()) ? "An IPv4 address like 10.0.0.5." : undefined,
      macAddress: mac().trim() && !MAC_RE.test(mac().trim()) ? "Like AA:BB:CC:DD:EE:FF." : undefined,
      expiresAt: expires().trim() && !fromZonedInput(expires()) ? "Pick a date and time." : undefined,
      simultaneousUse: optionalIntInRange(simUse(), "Sessions at once", 1, 1000),
      // Only the shape here: host bits and overlaps are the server's word, shown beside the field.
      staticIpv6Prefix: v6Prefix().trim() && !V6_PREFIX_RE.test(v6Prefix().trim()) ? V6_HINT : undefined,
      delegatedIpv6Prefix: pdPrefix().trim() && !V6_PREFIX_RE.test(pdPrefix().trim()) ? V6_HINT : undefined,
    };
    setErrors(errs);
    if (hasErrors(errs)) return;
    const common = {
      fullName: fullName().trim(),
      email: email().trim() || null,
      phone: phone().trim() || null,
      notifyEmail: notifyEmail(),
      notifySms: notifySms(),
      address: address().trim() || null,
      notes: notes(),
      staticIp: staticIp().trim() || null,
      ipPoolId: poolId() || null,
      macAddress: mac().trim() || null,
      macLockOnFirstLogin: macLock(),
      expiresAt: fromZonedInput(expires()) ?? null,
      simultaneousUse: optionalInt(simUse()),
      staticIpv6Prefix: v6Prefix().trim() || null,
      delegatedIpv6Prefix: pdPrefix().trim() || null,
    };
    try {
      if (s) {
        await unwrap(
          api.PATCH("/api/subscribers/{id}", {
            params: { path: { id: s.id } },
            body: { ...common, username: username(), ...(password() ? { password: password() } : {}) },
          }),
        );
      } else {
        await unwrap(
          api.POST("/api/subscribers", {
            body: { ...common, username: username(), password: password(), planId: planId() },
          }),
        );
      }
    } catch (err) {
      setErrors({ ...errors(), ...(serverFieldErrors(err) as Errors<SubscriberField>) });
      throw err;
    }
    toast(s ? "Subscriber saved" : "Subscriber created");
    props.onDone();
  };

  return (
    <FormDialog
      title={s ? `Edit ${s.username}` : "New subscriber"}
      submitLabel={s ? "Save" : "Create subscriber"}
      onSubmit={submit}
      onClose={props.onClose}
    >
      <div class="form-row">
        <TextField
          label="Username"
          autocomplete="off"
          value={username()}
          onValue={setUsername}
          error={errors().username}
        />
        <TextField
          label={s ? "New password (leave empty to keep)" : "Password"}
          type="text"
          autocomplete="off"
          value={password()}
          onValue={setPassword}
          error={errors().password}
        />
      </div>
      <Show when={!s}>
        <SelectField
          label="Plan"
          value={planId()}
          placeholder="Choose a plan"
          options={props.plans.map((p) => ({ value: p.id, label: p.name }))}
          onChange={(e) => setPlanId(e.currentTarget.value)}
          error={errors().planId}
        />
      </Show>
      <TextField
        label={`Expires (${displayTimezone()})`}
        type="datetime-local"
        value={expires()}
        onValue={setExpires}
        error={errors().expiresAt}
        hint="Empty: set by the first renewal."
      />
      <fieldset>
        <legend>Contact</legend>
        <TextField label="Full name" value={fullName()} onValue={setFullName} />
        <div class="form-row">
          <TextField label="E-mail" type="email" value={email()} onValue={setEmail} error={errors().email} />
          <TextField label="Phone" type="tel" value={phone()} onValue={setPhone} />
        </div>
        <CheckboxField
          label="Send notifications by e-mail"
          checked={notifyEmail()}
          onChange={(e) => setNotifyEmail(e.currentTarget.checked)}
        />
        <CheckboxField
          label="Send notifications by SMS"
          checked={notifySms()}
          onChange={(e) => setNotifySms(e.currentTarget.checked)}
        />
        <TextField label="Address" value={address()} onValue={setAddress} error={errors().address} />
      </fieldset>
      <fieldset>
        <legend>Network</legend>
        <div class="form-row">
          <TextField
            label="Static IP"
            inputmode="decimal"
            value={staticIp()}
            onValue={setStaticIp}
            error={errors().staticIp}
          />
          <SelectField
            label="IP pool"
            placeholder="The plan's pool"
            value={poolId()}
            options={(pools()?.items ?? []).map((x) => ({ value: x.id, label: x.name }))}
            onChange={(e) => setPoolId(e.currentTarget.value)}
            error={errors().ipPoolId}
          />
        </div>
        <TextField label="MAC address" value={mac()} onValue={setMac} error={errors().macAddress} />
        <CheckboxField
          label="Lock to the MAC of the first login"
          checked={macLock()}
          onChange={(e) => setMacLock(e.currentTarget.checked)}
        />
        <div class="form-row">
          <TextField
            label="Static prefix (IPv6)"
            value={v6Prefix()}
            onValue={setV6Prefix}
            error={errors().staticIpv6Prefix}
            hint="Empty: from the plan's IPv6 pool."
          />
          <TextField
            label="Delegated prefix (IPv6)"
            value={pdPrefix()}
            onValue={setPdPrefix}
            error={errors().delegatedIpv6Prefix}
            hint="Empty: from the plan's delegated pool."
          />
        </div>
        <TextField
          label="Sessions at once (empty = no override)"
          inputmode="numeric"
          value={simUse()}
          onValue={setSimUse}
          error={errors().simultaneousUse}
        />
      </fieldset>
      <TextAreaField label="Notes (staff only)" value={notes()} onValue={setNotes} error={errors().notes} />
    </FormDialog>
  );
}

/**
 * The form on the whole record: list rows carry only the columns a list shows, and a form filled
 * from one would save its missing fields (address, notes, MAC lock) as blank.
 */
function SubscriberEditor(props: { id?: string | undefined; plans: Plan[]; onDone: () => void; onClose: () => void }) {
  const [full] = createResource(
    () => props.id,
    (id) => unwrap(api.GET("/api/subscribers/{id}", { params: { path: { id } } })),
  );
  return (
    <Show
      when={!props.id || full()}
      fallback={
        <Modal title="Edit subscriber" onClose={props.onClose}>
          {full.error ? <ErrorBanner error={full.error} /> : <p class="muted">Loading…</p>}
        </Modal>
      }
    >
      <SubscriberForm
        subscriber={full()?.subscriber}
        plans={props.plans}
        onDone={props.onDone}
        onClose={props.onClose}
      />
    </Show>
  );
}

type BulkReport = ApiData<"/api/subscribers/bulk", "post">;

/** One action on the selected rows; each row succeeds or fails on its own, and failures are listed. */
function BulkBar(props: { ids: string[]; plans: Plan[]; onDone: () => void }) {
  const [action, setAction] = createSignal("renew");
  const [planId, setPlanId] = createSignal(props.plans[0]?.id ?? "");
  const [report, setReport] = createSignal<BulkReport>();
  const { busy, error, submit } = createSubmit({
    send: async () => {
      if (action() === "message") return; // BulkMessage sends its own
      const body = {
        ids: props.ids,
        action: action() as "renew" | "disable" | "enable" | "change_plan",
        ...(action() === "change_plan" ? { planId: planId() } : {}),
      };
      const res = await unwrap(api.POST("/api/subscribers/bulk", { body }));
      setReport(res);
      toast(`${res.succeeded} done${res.failed ? `, ${res.failed} refused` : ""}`, res.failed ? "error" : "ok");
      if (!res.failed) props.onDone();
    },
  });
  return (
    <form class="bulk-bar" onSubmit={submit} aria-label="Bulk action">
      <strong>{props.ids.length} selected</strong>
      <SelectField
        label="Action"
        value={action()}
        options={[
          { value: "renew", label: "Renew" },
          { value: "change_plan", label: "Change plan" },
          { value: "disable", label: "Disable (and disconnect)" },
          { value: "enable", label: "Enable" },
          ...(session.can("notifications.edit") ? [{ value: "message", label: "Message (SMS / e-mail)" }] : []),
        ]}
        onChange={(e) => setAction(e.currentTarget.value)}
      />
      <Show when={action() === "change_plan"}>
        <SelectField
          label="New plan"
          value={planId()}
          options={props.plans.map((p) => ({ value: p.id, label: p.name }))}
          onChange={(e) => setPlanId(e.currentTarget.value)}
        />
      </Show>
      <Show when={action() !== "message"} fallback={<BulkMessage ids={props.ids} onDone={props.onDone} />}>
        <button type="submit" class="primary" disabled={busy()}>
          Apply to {props.ids.length}
        </button>
      </Show>
      <ErrorBanner error={error()} />
      <Show when={report()?.failed}>
        <ul class="bulk-failures" data-testid="bulk-failures">
          {report()
            ?.results.filter((r) => !r.ok)
            .map((r) => (
              <li>
                {r.id.slice(0, 8)}: {r.error?.message}
              </li>
            ))}
        </ul>
        <button type="button" onClick={() => props.onDone()}>
          Done
        </button>
      </Show>
    </form>
  );
}

function ChangePlan(props: { subscriber: SubscriberRow; plans: Plan[]; onDone: () => void; onClose: () => void }) {
  const [planId, setPlanId] = createSignal(props.subscriber.planId ?? "");
  const submit = async () => {
    await unwrap(
      api.POST("/api/subscribers/{id}/change-plan", {
        params: { path: { id: props.subscriber.id } },
        body: { planId: planId() },
      }),
    );
    toast("Plan changed");
    props.onDone();
  };
  return (
    <FormDialog
      title={`Change plan of ${props.subscriber.username}`}
      submitLabel="Change plan"
      onSubmit={submit}
      onClose={props.onClose}
    >
      <SelectField
        label="Plan"
        value={planId()}
        options={props.plans.map((p) => ({ value: p.id, label: p.name }))}
        onChange={(e) => setPlanId(e.currentTarget.value)}
      />
    </FormDialog>
  );
}

function UsageDialog(props: { subscriber: SubscriberRow; onClose: () => void }) {
  const [usage] = createResource(() =>
    unwrap(api.GET("/api/subscribers/{id}/usage", { params: { path: { id: props.subscriber.id } } })),
  );
  return (
    <Modal title={`Usage of ${props.subscriber.username} (30 days)`} onClose={props.onClose}>
      <ErrorBanner error={usage.error} />
      <Show when={usage()}>{(u) => <TrafficChart title="Traffic per day" usage={u().usage} />}</Show>
      <h2>Live traffic</h2>
      <LiveTraffic kind="subscriber" id={props.subscriber.id} name={props.subscriber.username} />
    </Modal>
  );
}

function ImportDialog(props: { onDone: () => void; onClose: () => void }) {
  const [csv, setCsv] = createSignal("");
  const [report, setReport] = createSignal<ImportReportData>();
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);

  const send = async (dryRun: boolean) => {
    setError(undefined);
    setBusy(true);
    try {
      const res = await unwrap(
        api.POST("/api/subscribers/import", {
          params: { query: { dryRun: dryRun ? "true" : "false" } },
          body: csv() as never,
          bodySerializer: (b: unknown) => String(b),
          headers: { "content-type": "text/csv" },
        }),
      );
      setReport(res);
      if (!dryRun) {
        toast(`Imported ${res.imported} subscribers`);
        props.onDone();
      }
    } catch (err) {
      const r = err instanceof ApiError ? asImportReport(err.details) : undefined;
      if (r) setReport(r);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Import subscribers from CSV" onClose={props.onClose}>
      <p class="muted">
        Columns: username, password, plan, status, expires_at, full_name, email, phone, address, static_ip,
        static_ipv6_prefix, delegated_ipv6_prefix, simultaneous_use, mac_address, notes. Check first; nothing is
        imported while any row has a problem (an IPv6 prefix inside a pool or another subscriber's prefix is one).
      </p>
      <div class="field">
        <label for="csv-file">CSV file</label>
        <input
          id="csv-file"
          type="file"
          accept=".csv,text/csv"
          onChange={async (e) => {
            const file = e.currentTarget.files?.[0];
            if (file) setCsv(await file.text());
            setReport(undefined);
          }}
        />
      </div>
      <ErrorBanner error={error()} />
      <Show when={report()}>{(r) => <ImportReport report={r()} />}</Show>
      <div class="actions">
        <button type="button" disabled={!csv() || busy()} onClick={() => send(true)}>
          Check file
        </button>
        <button
          type="button"
          class="primary"
          disabled={!csv() || busy() || !report() || (report()?.errors.length ?? 1) > 0}
          onClick={() => send(false)}
        >
          Import
        </button>
      </div>
    </Modal>
  );
}

export default function SubscribersPage() {
  const plans = usePlans();
  const [status, setStatus] = createSignal<StatusFilter>("");
  const [planFilter, setPlanFilter] = createSignal("");
  const list = createList<SubscriberRow>(
    (q) =>
      unwrap(
        api.GET("/api/subscribers", {
          params: {
            query: {
              ...listParams<SubscriberSort>(q),
              status: status() || undefined,
              planId: planFilter() || undefined,
            },
          },
        }),
      ),
    { key: "username", order: "asc" },
  );
  const [editing, setEditing] = createSignal<SubscriberRow | "new">();
  const [changing, setChanging] = createSignal<SubscriberRow>();
  const [usageOf, setUsageOf] = createSignal<SubscriberRow>();
  const [deleting, setDeleting] = createSignal<SubscriberRow>();
  const [importing, setImporting] = createSignal(false);
  const [selected, setSelected] = createSignal(new Set<string>());
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected());
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const actions = createActionError();
  const planName = (id: string | null) => plans().find((p) => p.id === id)?.name ?? "—";
  const sortable = new Set(["username", "created", "expires", "status"]);

  const act = (fn: () => Promise<unknown>, message: string) =>
    actions.run(async () => {
      await fn();
      toast(message);
      list.reload();
    });
  const path = (s: SubscriberRow) => ({ params: { path: { id: s.id } } });

  return (
    <section>
      <h1>Subscribers</h1>
      <SearchToolbar
        search={list.search()}
        onSearch={list.setSearch}
        placeholder="Username, name, e-mail"
        newLabel="New subscriber"
        onNew={() => setEditing("new")}
        canCreate={session.can("subscribers.create")}
        extra={
          <>
            <button type="button" hidden={!session.can("subscribers.create")} onClick={() => setImporting(true)}>
              Import CSV
            </button>
            <button
              type="button"
              onClick={() => actions.run(() => downloadFile("/api/subscribers/export.csv", "subscribers.csv"))}
            >
              Export CSV
            </button>
          </>
        }
      >
        <SelectField
          label="Status"
          value={status()}
          placeholder="All"
          options={[
            { value: "active", label: "Active" },
            { value: "disabled", label: "Disabled" },
            { value: "expired", label: "Expired" },
          ]}
          onChange={(e) => {
            setStatus(e.currentTarget.value as StatusFilter);
            list.setPage(1);
            list.reload();
          }}
        />
        <SelectField
          label="Plan"
          value={planFilter()}
          placeholder="All"
          options={plans().map((p) => ({ value: p.id, label: p.name }))}
          onChange={(e) => {
            setPlanFilter(e.currentTarget.value);
            list.setPage(1);
            list.reload();
          }}
        />
      </SearchToolbar>
      <ErrorBanner error={actions.error() ?? list.data.error} onDismiss={actions.dismiss} />
      <Show when={selected().size > 0}>
        <BulkBar
          ids={[...selected()]}
          plans={plans()}
          onDone={() => {
            setSelected(new Set<string>());
            list.reload();
          }}
        />
      </Show>
      <Table
        {...list.table}
        caption="Subscribers"
        columns={[
          ...(session.can("subscribers.edit")
            ? [
                {
                  key: "select",
                  label: "",
                  render: (s: SubscriberRow) => (
                    <input
                      type="checkbox"
                      aria-label={`Select ${s.username}`}
                      checked={selected().has(s.id)}
                      onChange={(e) => toggle(s.id, e.currentTarget.checked)}
                    />
                  ),
                },
              ]
            : []),
          {
            key: "username",
            label: "Username",
            sortable: true,
            render: (s) => (
              <span class="sub-name">
                <span
                  class={`dot ${s.online ? "dot-on" : "dot-off"}`}
                  role="img"
                  aria-label={s.online ? "online" : "offline"}
                  title={s.online ? "online" : "offline"}
                />
                {s.username}
              </span>
            ),
          },
          { key: "fullName", label: "Name", render: (s) => <span class="nowrap">{s.fullName || "—"}</span> },
          { key: "plan", label: "Plan", render: (s) => <span class="nowrap">{planName(s.planId)}</span> },
          {
            key: "status",
            label: "Status",
            sortable: true,
            render: (s) => <Badge tone={statusTone(s.status)}>{s.status}</Badge>,
          },
          { key: "ip", label: "IP", render: (s) => s.framedIp ?? s.staticIp ?? "—" },
          {
            key: "lastSeen",
            label: "Last seen",
            render: (s) => <span class="nowrap">{formatDate(s.lastSeenAt)}</span>,
          },
          { key: "usage", label: "Usage", render: (s) => formatBytes((s.bytesIn ?? 0) + (s.bytesOut ?? 0)) },
          { key: "balance", label: "Balance", render: (s) => session.money(s.balanceCents ?? 0) },
          {
            key: "expires",
            label: "Expires",
            sortable: true,
            render: (s) => <span class="nowrap">{formatDate(s.expiresAt)}</span>,
          },
          {
            key: "actions",
            label: "Actions",
            render: (s) => (
              <div class="actions row-actions">
                <button type="button" onClick={() => setUsageOf(s)} aria-label={`Usage of ${s.username}`}>
                  Usage
                </button>
                <Show when={session.can("sessions.view")}>
                  <A
                    href={`/auth-log?username=${encodeURIComponent(s.username)}`}
                    aria-label={`Connection log of ${s.username}`}
                  >
                    Log
                  </A>
                </Show>
                {/* The rest in a menu, so each row stays one line; only what this user may do. */}
                <Show when={session.can("subscribers.edit") || session.can("subscribers.delete")}>
                  <details class="row-menu">
                    <summary aria-label={`More actions for ${s.username}`}>More</summary>
                    <div class="row-menu-items">
                      <Show when={session.can("subscribers.edit")}>
                        <button type="button" onClick={() => setEditing(s)} aria-label={`Edit ${s.username}`}>
                          Edit
                        </button>
                        <button
                          type="button"
                          onClick={() => act(() => unwrap(api.POST("/api/subscribers/{id}/renew", path(s))), "Renewed")}
                          aria-label={`Renew ${s.username}`}
                        >
                          Renew
                        </button>
                        <button
                          type="button"
                          onClick={() => setChanging(s)}
                          aria-label={`Change plan of ${s.username}`}
                        >
                          Change plan
                        </button>
                        <Show
                          when={s.status === "disabled"}
                          fallback={
                            <button
                              type="button"
                              onClick={() =>
                                act(
                                  () => unwrap(api.POST("/api/subscribers/{id}/disable", path(s))),
                                  "Disabled and disconnected",
                                )
                              }
                              aria-label={`Disable ${s.username}`}
                            >
                              Disable
                            </button>
                          }
                        >
                          <button
                            type="button"
                            onClick={() =>
                              act(() => unwrap(api.POST("/api/subscribers/{id}/enable", path(s))), "Enabled")
                            }
                            aria-label={`Enable ${s.username}`}
                          >
                            Enable
                          </button>
                        </Show>
                      </Show>
                      <Show when={session.can("subscribers.delete")}>
                        <button type="button" onClick={() => setDeleting(s)} aria-label={`Delete ${s.username}`}>
                          Delete
                        </button>
                      </Show>
                    </div>
                  </details>
                </Show>
              </div>
            ),
          },
        ]}
        rowKey={(s) => s.id}
        sort={list.sort()}
        onSort={(s) => sortable.has(s.key) && list.setSort(s)}
        empty="No subscribers match."
      />
      <Show when={editing()}>
        {(e) => (
          <SubscriberEditor
            id={e() === "new" ? undefined : (e() as SubscriberRow).id}
            plans={plans()}
            onClose={() => setEditing(undefined)}
            onDone={() => {
              setEditing(undefined);
              list.reload();
            }}
          />
        )}
      </Show>
      <Show when={changing()}>
        {(s) => (
          <ChangePlan
            subscriber={s()}
            plans={plans()}
            onClose={() => setChanging(undefined)}
            onDone={() => {
              setChanging(undefined);
              list.reload();
            }}
          />
        )}
      </Show>
      <Show when={usageOf()}>{(s) => <UsageDialog subscriber={s()} onClose={() => setUsageOf(undefined)} />}</Show>
      <Show when={importing()}>
        <ImportDialog onClose={() => setImporting(false)} onDone={() => list.reload()} />
      </Show>
      <ConfirmAction
        item={deleting()}
        title="Delete subscriber"
        message={(s) =>
          `Delete ${s.username}? Their sessions are disconnected and their history is kept in the audit log.`
        }
        confirmLabel="Delete"
        danger
        action={(s) => act(() => unwrap(api.DELETE("/api/subscribers/{id}", path(s))), "Subscriber deleted")}
        onClose={() => setDeleting(undefined)}
      />
    </section>
  );
}
