import { createResource, createSignal, Show } from "solid-js";
import { api, downloadFile, unwrap } from "../../api/client";
import type { ApiItem } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge, type BadgeTone } from "../../ui/Badge";
import { ConfirmAction } from "../../ui/ConfirmAction";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { formatDate } from "../../ui/format";
import { type Errors, hasErrors, intInRange, optionalIntInRange, toCents } from "../../ui/forms";
import { SearchToolbar } from "../../ui/SearchToolbar";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import {
  type AlphabetPreset,
  alphabetOf,
  CodeAlphabetField,
  customAlphabetError,
  MIN_CODE_BITS,
  minCodeLength,
} from "../components/VoucherAlphabet";
import { BatchCharge, canPickReseller, createResellerAccount, ResellerPicker } from "../components/VoucherReseller";
import { VoucherSettings } from "../components/VoucherSettings";
import { createList, searchParam } from "../list";
import { session } from "../session";

/** A batch as listed, with how many of its vouchers are in each state and how many were ever used. */
type Batch = ApiItem<"/api/vouchers/batches">;

type Voucher = ApiItem<"/api/vouchers">;

type State = Voucher["state"];

const TONES: Record<State, BadgeTone> = {
  unused: "neutral",
  active: "ok",
  used_up: "warn",
  expired: "bad",
  disabled: "bad",
};
const STATE_LABEL: Record<State, string> = {
  unused: "unused",
  active: "active",
  used_up: "used up",
  expired: "expired",
  disabled: "disabled",
};

/** "2 h 30 min", "7 days". */
export function formatDuration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [d ? `${d} ${d === 1 ? "day" : "days"}` : "", h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean);
  return parts.length ? parts.join(" ") : `${s} s`;
}

/** Decimal units, as the dialog takes them and the printed cards say: data is sold in GB of 10^9 bytes. */
export function formatData(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

const terms = (b: Pick<Batch, "timeLimitS" | "dataLimitBytes" | "validityS">) =>
  [
    b.timeLimitS ? formatDuration(b.timeLimitS) : "",
    b.dataLimitBytes ? formatData(b.dataLimitBytes) : "",
    b.validityS ? `valid ${formatDuration(b.validityS)}` : "",
  ]
    .filter(Boolean)
    .join(" · ");

/** Decimal numbers typed by people ("1.5"): hours and gigabytes. */
const positive = (v: string) => (v.trim() ? Number(v.trim()) : null);

/** `account`: the signed-in reseller (pays for the batch), null for staff (may pick a reseller). */
function GenerateDialog(props: {
  account: { name: string; balanceCents: number } | null | undefined;
  onDone: () => void;
  onClose: () => void;
}) {
  const [plans] = createResource(() => unwrap(api.GET("/api/plans", { params: { query: { limit: 100 } } })));
  const [name, setName] = createSignal("");
  const [count, setCount] = createSignal("50");
  const [planId, setPlanId] = createSignal("");
  const [hours, setHours] = createSignal("");
  const [gigabytes, setGigabytes] = createSignal("");
  const [days, setDays] = createSignal("");
  const [rate, setRate] = createSignal("");
  const [price, setPrice] = createSignal("");
  const [length, setLength] = createSignal("10");
  const [prefix, setPrefix] = createSignal("");
  const [preset, setPreset] = createSignal<AlphabetPreset>("clear");
  const [customChars, setCustomChars] = createSignal("");
  const [resellerId, setResellerId] = createSignal("");
  const [resellerName, setResellerName] = createSignal("");
  const cents = () => (price().trim() ? (toCents(price()) ?? 0) : 0);
  type F = "count" | "hours" | "gigabytes" | "days" | "price" | "length" | "prefix" | "alphabet";
  const [errors, setErrors] = createSignal<Errors<F>>({});
  const submit = async () => {
    const h = positive(hours());
    const gb = positive(gigabytes());
    const d = positive(days());
    const cents = price().trim() ? toCents(price()) : 0;
    const errs: Errors<F> = {
      count: intInRange(count(), "Count", 1, 5000),
      hours: h !== null && !(h > 0) ? "Hours must be a positive number." : undefined,
      gigabytes: gb !== null && !(gb > 0) ? "Data must be a positive number of GB." : undefined,
      days: d !== null && !(d > 0) ? "Validity must be a positive number of days." : undefined,
      price: cents === undefined ? "Price must be like 2.50." : undefined,
      length: optionalIntInRange(length(), "Code length", 4, 32),
      prefix: /^[A-Za-z0-9-]{0,16}$/.test(prefix()) ? undefined : "Up to 16 letters, digits and dashes.",
      alphabet: preset() === "custom" ? customAlphabetError(customChars()) : undefined,
    };
    const alphabet = alphabetOf(preset(), customChars());
    // As the server: a short code from few characters could be found by trying at the hotspot.
    const len = length().trim() ? Number(length()) : 10;
    if (!errs.length && !errs.alphabet && alphabet && len < minCodeLength(alphabet.length)) {
      errs.length = `Too easy to guess with ${alphabet.length} characters: at least ${minCodeLength(alphabet.length)} (${MIN_CODE_BITS} bits).`;
    }
    if (!errs.hours && !errs.gigabytes && !errs.days && h === null && gb === null && d === null) {
      errs.hours = "Give a time limit, a data limit or a validity.";
    }
    setErrors(errs);
    if (hasErrors(errs)) return;
    const batch = await unwrap(
      api.POST("/api/vouchers/batches", {
        body: {
          name: name().trim() || undefined,
          count: Number(count()),
          planId: planId() || null,
          timeLimitS: h === null ? null : Math.round(h * 3600),
          dataLimitBytes: gb === null ? null : Math.round(gb * 1e9),
          validityS: d === null ? null : Math.round(d * 86400),
          rateLimit: rate().trim() || null,
          priceCents: cents ?? 0,
          codeLength: length().trim() ? Number(length()) : undefined,
          prefix: prefix() || undefined,
          alphabet,
          resellerId: resellerId() || undefined,
        },
      }),
    );
    toast(`${batch.batch.count} vouchers generated`);
    props.onDone();
  };
  return (
    <FormDialog
      title="Generate vouchers"
      submitLabel="Generate"
      busyLabel="Generating…"
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField label="Batch name" value={name()} onValue={setName} placeholder="Café, March" />
      <TextField
        label="Number of vouchers"
        inputmode="numeric"
        value={count()}
        onValue={setCount}
        error={errors().count}
      />
      <SelectField
        label="Plan (rate and pool)"
        placeholder="No plan"
        value={planId()}
        options={(plans()?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
        onChange={(e) => setPlanId(e.currentTarget.value)}
      />
      <TextField
        label="Time online (hours)"
        inputmode="decimal"
        value={hours()}
        onValue={setHours}
        error={errors().hours}
      />
      <TextField
        label="Data (GB)"
        inputmode="decimal"
        value={gigabytes()}
        onValue={setGigabytes}
        error={errors().gigabytes}
      />
      <TextField
        label="Valid from first use (days)"
        inputmode="decimal"
        value={days()}
        onValue={setDays}
        error={errors().days}
      />
      <TextField
        label="Rate limit"
        value={rate()}
        onValue={setRate}
        hint="MikroTik syntax, e.g. 2M/5M; empty: the plan's"
      />
      <TextField
        label="Price per voucher"
        inputmode="decimal"
        value={price()}
        onValue={setPrice}
        error={errors().price}
      />
      <TextField label="Code length" inputmode="numeric" value={length()} onValue={setLength} error={errors().length} />
      <CodeAlphabetField
        preset={preset()}
        custom={customChars()}
        onPreset={setPreset}
        onCustom={setCustomChars}
        error={errors().alphabet}
      />
      <TextField label="Code prefix" value={prefix()} onValue={setPrefix} error={errors().prefix} />
      <Show when={props.account === null && canPickReseller()}>
        <ResellerPicker
          value={resellerId()}
          onChange={(id, name) => {
            setResellerId(id);
            setResellerName(name);
          }}
        />
      </Show>
      <BatchCharge
        count={Number(count())}
        priceCents={cents()}
        payer={props.account ? "your balance" : resellerId() ? `${resellerName()}'s balance` : undefined}
        balanceCents={props.account?.balanceCents}
      />
    </FormDialog>
  );
}

export default function VouchersPage() {
  const actions = createActionError();
  const canCreate = () => session.can("vouchers.create");
  const canEdit = () => session.can("vouchers.edit");
  const batches = createList<Batch>(
    (q) =>
      unwrap(
        api.GET("/api/vouchers/batches", {
          params: { query: { page: q.page, limit: q.limit, search: searchParam(q.search) } },
        }),
      ),
    { key: "created", order: "desc" },
    10,
  );
  const [batchFilter, setBatchFilter] = createSignal<Batch>();
  const [stateFilter, setStateFilter] = createSignal<State | "">("");
  const vouchers = createList<Voucher>(
    (q) =>
      unwrap(
        api.GET("/api/vouchers", {
          params: {
            query: {
              page: q.page,
              limit: q.limit,
              search: searchParam(q.search),
              batchId: batchFilter()?.id,
              state: stateFilter() || undefined,
            },
          },
        }),
      ),
    { key: "created", order: "desc" },
  );
  // The filters are read inside the fetcher, not tracked by the list: back to page 1 and fetch again
  // (setPage(1) alone changes nothing when already on page 1).
  const refilter = () => {
    vouchers.setPage(1);
    vouchers.reload();
  };
  const [generating, setGenerating] = createSignal(false);
  const reseller = createResellerAccount();
  const [deleting, setDeleting] = createSignal<Batch>();
  const [deletingVoucher, setDeletingVoucher] = createSignal<Voucher>();
  // Staff with vouchers.edit, or a reseller returning its own vouchers never used (refunded).
  const canDelete = () => canEdit() || Boolean(reseller.account() && canCreate());
  /** What deleting a batch gives back: the unused vouchers' price, at most what was charged. */
  const refundOf = (b: Batch) => (b.resellerId ? Math.min(b.priceCents * (b.unused + b.disabled), b.chargedCents) : 0);
  const payee = (b: Batch) => (reseller.account() ? "your balance" : `${b.resellerName ?? "the reseller"}'s balance`);
  const reload = () => {
    batches.reload();
    vouchers.reload();
  };
  const afterDelete = (what: string) => {
    toast(what);
    reload();
    // A refund moved the reseller's balance shown above.
    if (reseller.account()) reseller.refetch();
  };
  const stem = (b: Batch) => `vouchers-${b.name || b.id.slice(0, 8)}`;
  return (
    <section>
      <h1>Vouchers</h1>
      <ErrorBanner error={actions.error() ?? batches.data.error ?? vouchers.data.error} onDismiss={actions.dismiss} />
      <Show when={reseller.account()}>
        {(r) => (
          <p class="banner banner-info">
            {r().name}: balance <strong data-testid="voucher-balance">{session.money(r().balanceCents)}</strong>. The
            batches you generate are paid from it.
          </p>
        )}
      </Show>
      <h2>Batches</h2>
      <SearchToolbar
        search={batches.search()}
        onSearch={batches.setSearch}
        newLabel="Generate vouchers"
        canCreate={canCreate()}
        onNew={() => setGenerating(true)}
      />
      <Table
        {...batches.table}
        caption="Voucher batches"
        columns={[
          { key: "name", label: "Batch", render: (b) => b.name || "—" },
          { key: "createdAt", label: "Created", render: (b) => formatDate(b.createdAt) },
          { key: "terms", label: "Gives", render: (b) => terms(b) },
          { key: "planName", label: "Plan", render: (b) => b.planName ?? "—" },
          { key: "price", label: "Price", render: (b) => session.money(b.priceCents) },
          {
            key: "states",
            label: "Vouchers",
            render: (b) =>
              `${b.count} · ${b.unused} unused · ${b.active} active · ${b.usedUp + b.expired} spent · ${b.used} ever used`,
          },
          { key: "resellerName", label: "Reseller", render: (b) => b.resellerName ?? "—" },
          {
            key: "actions",
            label: "Actions",
            render: (b) => (
              <div class="actions">
                <button
                  type="button"
                  onClick={() => {
                    setBatchFilter(b);
                    refilter();
                  }}
                  aria-label={`Show vouchers of ${b.name || "batch"}`}
                >
                  Show
                </button>
                <button
                  type="button"
                  onClick={() =>
                    actions.run(() => downloadFile(`/api/vouchers/batches/${b.id}/cards.pdf`, `${stem(b)}.pdf`))
                  }
                  aria-label={`Print PDF of ${b.name || "batch"}`}
                >
                  Print PDF
                </button>
                <button
                  type="button"
                  onClick={() =>
                    actions.run(() => downloadFile(`/api/vouchers/batches/${b.id}/export.csv`, `${stem(b)}.csv`))
                  }
                  aria-label={`Export CSV of ${b.name || "batch"}`}
                >
                  Export CSV
                </button>
                <Show when={canEdit()}>
                  <button
                    type="button"
                    onClick={() =>
                      actions.run(async () => {
                        await unwrap(
                          api.POST("/api/vouchers/batches/{id}/disable", { params: { path: { id: b.id } } }),
                        );
                        toast("Batch disabled");
                        reload();
                      })
                    }
                  >
                    Disable
                  </button>
                </Show>
                {/* As the API: a batch none of whose vouchers was ever used (a used one disabled since counts). */}
                <Show when={canDelete() && b.used === 0}>
                  <button type="button" onClick={() => setDeleting(b)} aria-label={`Delete ${b.name || "batch"}`}>
                    Delete
                  </button>
                </Show>
              </div>
            ),
          },
        ]}
        rowKey={(b) => b.id}
        empty="No voucher batches yet. Generate one to print cards for your hotspot."
      />
      <h2>
        Vouchers
        <Show when={batchFilter()}>
          {(b) => (
            <>
              {" "}
              of {b().name || "batch"}{" "}
              <button
                type="button"
                onClick={() => {
                  setBatchFilter(undefined);
                  refilter();
                }}
              >
                All batches
              </button>
            </>
          )}
        </Show>
      </h2>
      <SearchToolbar
        search={vouchers.search()}
        onSearch={vouchers.setSearch}
        placeholder="Code"
        newLabel=""
        canCreate={false}
        onNew={() => {}}
      >
        <SelectField
          label="State"
          placeholder="Any"
          value={stateFilter()}
          options={(Object.keys(STATE_LABEL) as State[]).map((s) => ({ value: s, label: STATE_LABEL[s] }))}
          onChange={(e) => {
            setStateFilter(e.currentTarget.value as State | "");
            refilter();
          }}
        />
      </SearchToolbar>
      <Table
        {...vouchers.table}
        caption="Vouchers"
        columns={[
          { key: "code", label: "Code", render: (v) => <code>{v.code}</code> },
          { key: "state", label: "State", render: (v) => <Badge tone={TONES[v.state]}>{STATE_LABEL[v.state]}</Badge> },
          { key: "price", label: "Price", render: (v) => session.money(v.priceCents) },
          { key: "firstUsedAt", label: "First used", render: (v) => formatDate(v.firstUsedAt) },
          { key: "expiresAt", label: "Expires", render: (v) => formatDate(v.expiresAt) },
          {
            key: "used",
            label: "Used",
            render: (v) =>
              `${formatDuration(v.usedSeconds)}${v.timeLimitS ? ` of ${formatDuration(v.timeLimitS)}` : ""} · ${formatData(v.usedBytes)}${v.dataLimitBytes ? ` of ${formatData(v.dataLimitBytes)}` : ""}`,
          },
          {
            key: "actions",
            label: "Actions",
            render: (v) => (
              <div class="actions">
                <Show when={canEdit()}>
                  <button
                    type="button"
                    aria-label={`${v.state === "disabled" ? "Enable" : "Disable"} ${v.code}`}
                    onClick={() =>
                      actions.run(async () => {
                        await unwrap(
                          api.PATCH("/api/vouchers/{id}", {
                            params: { path: { id: v.id } },
                            body: { disabled: v.state !== "disabled" },
                          }),
                        );
                        reload();
                      })
                    }
                  >
                    {v.state === "disabled" ? "Enable" : "Disable"}
                  </button>
                </Show>
                {/* As the API: any voucher never used (unused, or disabled before its first login). */}
                <Show when={canDelete() && !v.firstUsedAt}>
                  <button type="button" aria-label={`Delete ${v.code}`} onClick={() => setDeletingVoucher(v)}>
                    Delete
                  </button>
                </Show>
              </div>
            ),
          },
        ]}
        rowKey={(v) => v.id}
        empty="No vouchers match."
      />
      <Show when={generating()}>
        <GenerateDialog
          account={reseller.account()}
          onClose={() => setGenerating(false)}
          onDone={() => {
            setGenerating(false);
            reload();
            reseller.refetch();
          }}
        />
      </Show>
      <ConfirmAction
        item={deleting()}
        title="Delete batch"
        message={(b) =>
          `Delete ${b.name || "this batch"} and its ${b.count} vouchers? Printed cards stop working.${
            refundOf(b) > 0 ? ` ${session.money(refundOf(b))} goes back to ${payee(b)}.` : ""
          }`
        }
        confirmLabel="Delete"
        danger
        action={(b) =>
          actions.run(async () => {
            await unwrap(api.DELETE("/api/vouchers/batches/{id}", { params: { path: { id: b.id } } }));
            afterDelete("Batch deleted");
          })
        }
        onClose={() => setDeleting(undefined)}
      />
      <ConfirmAction
        item={deletingVoucher()}
        title="Delete voucher"
        message={(v) =>
          `Delete voucher ${v.code}? Its card stops working.${
            v.resellerId && v.priceCents > 0
              ? ` ${session.money(v.priceCents)} goes back to ${reseller.account() ? "your balance" : "the reseller's balance"}.`
              : ""
          }`
        }
        confirmLabel="Delete"
        danger
        action={(v) =>
          actions.run(async () => {
            await unwrap(api.DELETE("/api/vouchers/{id}", { params: { path: { id: v.id } } }));
            afterDelete(`Voucher ${v.code} deleted`);
          })
        }
        onClose={() => setDeletingVoucher(undefined)}
      />
      <Show when={canEdit()}>
        <VoucherSettings />
      </Show>
    </section>
  );
}
