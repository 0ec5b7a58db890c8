import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { createActionError } from "../../ui/action-error";
import { Badge } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { formatBytes, formatRate } from "../../ui/format";
import {
  type Errors,
  formatCents,
  hasErrors,
  intInRange,
  optionalInt,
  optionalIntInRange,
  required,
  serverFieldErrors,
  toCents,
} from "../../ui/forms";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { createList, listParams } from "../list";
import { session } from "../session";
import type { Plan } from "../types";

type PlanSort = "name" | "price" | "created";
type Field =
  | "name"
  | "downloadKbps"
  | "uploadKbps"
  | "validityDays"
  | "price"
  | "burstDownloadKbps"
  | "burstUploadKbps"
  | "burstThresholdPct"
  | "burstTimeS"
  | "quotaBytes"
  | "quotaPeriod"
  | "fupDownloadKbps"
  | "fupUploadKbps"
  | "ipPoolId"
  | "ipv6PoolId"
  | "delegatedIpv6PoolId"
  | "simultaneousUse"
  | "simultaneousUseAction";

const GIB = 1024 ** 3;
const str = (n: number | null | undefined) => (n === null || n === undefined ? "" : String(n));

/** Every field of a plan: speeds, burst, quota with its fair-usage action, validity, price, pool. */
function PlanForm(props: { plan?: Plan; onDone: () => void; onClose: () => void }) {
  const p = props.plan;
  const [name, setName] = createSignal(p?.name ?? "");
  const [down, setDown] = createSignal(String(p?.downloadKbps ?? 10000));
  const [up, setUp] = createSignal(String(p?.uploadKbps ?? 2000));
  const [days, setDays] = createSignal(String(p?.validityDays ?? 30));
  const [price, setPrice] = createSignal(p ? formatCents(p.priceCents) : "0.00");
  const [active, setActive] = createSignal(p?.isActive ?? true);
  const [burstDown, setBurstDown] = createSignal(str(p?.burstDownloadKbps));
  const [burstUp, setBurstUp] = createSignal(str(p?.burstUploadKbps));
  const [burstPct, setBurstPct] = createSignal(str(p?.burstThresholdPct));
  const [burstTime, setBurstTime] = createSignal(str(p?.burstTimeS));
  const [quotaGib, setQuotaGib] = createSignal(
    p?.quotaBytes ? String(Math.round((p.quotaBytes / GIB) * 100) / 100) : "",
  );
  const [period, setPeriod] = createSignal<string>(p?.quotaPeriod ?? "none");
  const [fup, setFup] = createSignal<string>(p?.fupAction ?? "throttle");
  const [fupDown, setFupDown] = createSignal(str(p?.fupDownloadKbps));
  const [fupUp, setFupUp] = createSignal(str(p?.fupUploadKbps));
  const [pool, setPool] = createSignal(p?.ipPoolId ?? "");
  const [pools] = createResource(() => unwrap(api.GET("/api/ip-pools", { params: { query: { limit: 100 } } })));
  const [v6Pool, setV6Pool] = createSignal(p?.ipv6PoolId ?? "");
  const [pdPool, setPdPool] = createSignal(p?.delegatedIpv6PoolId ?? "");
  const [v6Pools] = createResource(() => unwrap(api.GET("/api/ipv6-pools", { params: { query: { limit: 100 } } })));
  const v6Options = () => (v6Pools()?.items ?? []).map((x) => ({ value: x.id, label: `${x.name} (${x.prefix})` }));
  const [simUse, setSimUse] = createSignal(str(p?.simultaneousUse));
  const [simAction, setSimAction] = createSignal<string>(p?.simultaneousUseAction ?? "reject");
  const [errors, setErrors] = createSignal<Errors<Field>>({});
  const submit = async () => {
    const quota = quotaGib().trim();
    const quotaOk = !quota || (/^\d+(\.\d{1,2})?$/.test(quota) && Number(quota) > 0);
    const errs: Errors<Field> = {
      name: required(name(), "Name"),
      downloadKbps: intInRange(down(), "Download", 1, 100_000_000),
      uploadKbps: intInRange(up(), "Upload", 1, 100_000_000),
      validityDays: intInRange(days(), "Validity", 1, 3660),
      price: toCents(price()) === undefined ? "Price must be an amount like 12.50." : undefined,
      burstDownloadKbps: optionalIntInRange(burstDown(), "Burst download", 1, 100_000_000),
      burstUploadKbps: optionalIntInRange(burstUp(), "Burst upload", 1, 100_000_000),
      burstThresholdPct: optionalIntInRange(burstPct(), "Burst threshold", 1, 100),
      burstTimeS: optionalIntInRange(burstTime(), "Burst time", 1, 3600),
      quotaBytes: quotaOk ? undefined : "Quota must be a number of GiB like 50 or 12.5.",
      quotaPeriod: quota && period() === "none" ? "A quota needs a period." : undefined,
      fupDownloadKbps:
        quota && fup() === "throttle"
          ? (optionalIntInRange(fupDown(), "Throttled download", 1, 100_000_000) ??
            (fupDown().trim() ? undefined : "Throttling needs the reduced download speed."))
          : undefined,
      fupUploadKbps:
        quota && fup() === "throttle"
          ? (optionalIntInRange(fupUp(), "Throttled upload", 1, 100_000_000) ??
            (fupUp().trim() ? undefined : "Throttling needs the reduced upload speed."))
          : undefined,
      simultaneousUse: optionalIntInRange(simUse(), "Simultaneous-Use", 1, 1000),
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
      burstDownloadKbps: optionalInt(burstDown()),
      burstUploadKbps: optionalInt(burstUp()),
      burstThresholdPct: optionalInt(burstPct()),
      burstTimeS: optionalInt(burstTime()),
      quotaBytes: quota ? Math.round(Number(quota) * GIB) : null,
      quotaPeriod: (quota ? period() : "none") as Plan["quotaPeriod"],
      fupAction: fup() as Plan["fupAction"],
      fupDownloadKbps: quota && fup() === "throttle" ? optionalInt(fupDown()) : null,
      fupUploadKbps: quota && fup() === "throttle" ? optionalInt(fupUp()) : null,
      ipPoolId: pool() || null,
      ipv6PoolId: v6Pool() || null,
      delegatedIpv6PoolId: pdPool() || null,
      simultaneousUse: optionalInt(simUse()),
      simultaneousUseAction: simAction() as Plan["simultaneousUseAction"],
    };
    try {
      if (p) await unwrap(api.PATCH("/api/plans/{id}", { params: { path: { id: p.id } }, body }));
      else await unwrap(api.POST("/api/plans", { body }));
    } catch (err) {
      setErrors({ ...errors(), ...(serverFieldErrors(err) as Errors<Field>) });
      throw err;
    }
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
      <div class="form-row">
        <TextField
          label="Download (kbit/s)"
          inputmode="numeric"
          value={down()}
          onValue={setDown}
          error={errors().downloadKbps}
        />
        <TextField
          label="Upload (kbit/s)"
          inputmode="numeric"
          value={up()}
          onValue={setUp}
          error={errors().uploadKbps}
        />
      </div>
      <div class="form-row">
        <TextField
          label="Validity (days)"
          inputmode="numeric"
          value={days()}
          onValue={setDays}
          error={errors().validityDays}
        />
        <TextField
          label={`Price (${session.branding()?.currency ?? "USD"})`}
          inputmode="decimal"
          value={price()}
          onValue={setPrice}
          error={errors().price}
        />
      </div>
      <fieldset>
        <legend>Burst (optional, MikroTik)</legend>
        <div class="form-row">
          <TextField
            label="Burst download (kbit/s)"
            inputmode="numeric"
            value={burstDown()}
            onValue={setBurstDown}
            error={errors().burstDownloadKbps}
          />
          <TextField
            label="Burst upload (kbit/s)"
            inputmode="numeric"
            value={burstUp()}
            onValue={setBurstUp}
            error={errors().burstUploadKbps}
          />
        </div>
        <div class="form-row">
          <TextField
            label="Burst threshold (%)"
            inputmode="numeric"
            value={burstPct()}
            onValue={setBurstPct}
            error={errors().burstThresholdPct}
          />
          <TextField
            label="Burst time (s)"
            inputmode="numeric"
            value={burstTime()}
            onValue={setBurstTime}
            error={errors().burstTimeS}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Data quota and fair usage</legend>
        <div class="form-row">
          <TextField
            label="Quota (GiB, empty = unlimited)"
            inputmode="decimal"
            value={quotaGib()}
            onValue={setQuotaGib}
            error={errors().quotaBytes}
          />
          <SelectField
            label="Quota period"
            value={period()}
            options={[
              { value: "none", label: "No quota" },
              { value: "daily", label: "Daily" },
              { value: "weekly", label: "Weekly" },
              { value: "monthly", label: "Monthly" },
            ]}
            onChange={(e) => setPeriod(e.currentTarget.value)}
            error={errors().quotaPeriod}
          />
        </div>
        <Show when={quotaGib().trim()}>
          <SelectField
            label="When the quota is used up"
            value={fup()}
            options={[
              { value: "throttle", label: "Slow down to a reduced speed" },
              { value: "block", label: "Block until the next period" },
            ]}
            onChange={(e) => setFup(e.currentTarget.value)}
          />
          <Show when={fup() === "throttle"}>
            <div class="form-row">
              <TextField
                label="Throttled download (kbit/s)"
                inputmode="numeric"
                value={fupDown()}
                onValue={setFupDown}
                error={errors().fupDownloadKbps}
              />
              <TextField
                label="Throttled upload (kbit/s)"
                inputmode="numeric"
                value={fupUp()}
                onValue={setFupUp}
                error={errors().fupUploadKbps}
              />
            </div>
          </Show>
        </Show>
      </fieldset>
      <SelectField
        label="IP pool"
        placeholder="None (the NAS assigns)"
        value={pool()}
        options={(pools()?.items ?? []).map((x) => ({ value: x.id, label: x.name }))}
        onChange={(e) => setPool(e.currentTarget.value)}
        error={errors().ipPoolId}
      />
      <div class="form-row">
        <SelectField
          label="IPv6 pool"
          placeholder="None (no Framed-IPv6-Prefix)"
          value={v6Pool()}
          options={v6Options()}
          onChange={(e) => setV6Pool(e.currentTarget.value)}
          error={errors().ipv6PoolId}
        />
        <SelectField
          label="Delegated IPv6 pool"
          placeholder="None (no prefix delegation)"
          value={pdPool()}
          options={v6Options()}
          onChange={(e) => setPdPool(e.currentTarget.value)}
          error={errors().delegatedIpv6PoolId}
        />
      </div>
      <fieldset>
        <legend>Simultaneous-Use</legend>
        <div class="form-row">
          <TextField
            label="Sessions at once (empty = unlimited)"
            inputmode="numeric"
            value={simUse()}
            onValue={setSimUse}
            error={errors().simultaneousUse}
          />
          <SelectField
            label="When over the limit"
            value={simAction()}
            options={[
              { value: "reject", label: "Reject the new login" },
              { value: "disconnect_oldest", label: "Admit it and disconnect the oldest session" },
            ]}
            onChange={(e) => setSimAction(e.currentTarget.value)}
            error={errors().simultaneousUseAction}
          />
        </div>
      </fieldset>
      <CheckboxField label="Active" checked={active()} onChange={(e) => setActive(e.currentTarget.checked)} />
    </FormDialog>
  );
}

export default function PlansPage() {
  const list = createList<Plan>((q) => unwrap(api.GET("/api/plans", { params: { query: listParams<PlanSort>(q) } })), {
    key: "name",
    order: "asc",
  });
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
          {
            key: "quota",
            label: "Quota",
            render: (p) =>
              p.quotaBytes ? `${formatBytes(p.quotaBytes)} ${p.quotaPeriod}, then ${p.fupAction}` : "unlimited",
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
