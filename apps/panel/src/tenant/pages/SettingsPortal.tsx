import { createResource, createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiData, ApiItem } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextField } from "../../ui/Field";
import { type DateFormat, displayTimezone, formatDate } from "../../ui/format";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";
import { session } from "../session";

type PortalSwitches = ApiData<"/api/settings/portal", "get">["portal"];
type SwitchKey = keyof PortalSwitches;

const SWITCHES: [SwitchKey, string][] = [
  ["enabled", "Self-care portal is open to subscribers"],
  ["allowPayments", "Subscribers may pay online"],
  ["allowRenew", "Subscribers may renew (from balance or by paying)"],
  ["allowPlanChange", "Subscribers may switch plans"],
  ["allowProfileEdit", "Subscribers may edit their contact details"],
  ["allowPasswordChange", "Subscribers may change their password"],
  ["phoneOtp", "Ask for a one-time code sent by SMS to the subscriber's phone at sign-in"],
];

/** phoneOtp is stored as "on"/"off" (room for more policies later); the rest are booleans. */
const isOn = (v: PortalSwitches[SwitchKey]) => v === true || v === "on";
const asValue = (key: SwitchKey, on: boolean) => (key === "phoneOtp" ? (on ? "on" : "off") : on);

function CurrencyForm() {
  const [code, setCode] = createSignal(session.branding()?.currency ?? "USD");
  const [bad, setBad] = createSignal<string>();
  const { error, submit } = createSubmit({
    check: () => {
      const ok = /^[A-Za-z]{3}$/.test(code().trim());
      setBad(ok ? undefined : "Three letters, e.g. USD, EUR, KES.");
      return ok;
    },
    send: async () => {
      await unwrap(api.PUT("/api/settings/currency", { body: { currency: code().trim().toUpperCase() } }));
      session.refetchBranding();
      toast("Currency saved");
    },
  });
  return (
    <form class="card" onSubmit={submit} noValidate aria-label="Currency">
      <h2>Currency</h2>
      <ErrorBanner error={error()} />
      <TextField label="Currency (ISO 4217 code)" value={code()} onValue={setCode} error={bad()} maxLength={3} />
      <button type="submit" class="primary">
        Save currency
      </button>
    </form>
  );
}

function DateFormatForm() {
  const current = () => session.branding()?.dateFormat ?? { order: "ymd" as const, clock: "24h" as const };
  const [order, setOrder] = createSignal<string>(current().order);
  const [clock, setClock] = createSignal<string>(current().clock);
  const sample = () =>
    formatDate(new Date().toISOString(), displayTimezone(), {
      order: order() as DateFormat["order"],
      clock: clock() as DateFormat["clock"],
    });
  const { error, submit } = createSubmit({
    send: async () => {
      await unwrap(
        api.PUT("/api/settings/date-format", {
          body: { order: order() as DateFormat["order"], clock: clock() as DateFormat["clock"] },
        }),
      );
      session.refetchBranding();
      toast("Date format saved");
    },
  });
  return (
    <form class="card" onSubmit={submit} aria-label="Date format">
      <h2>Date format</h2>
      <ErrorBanner error={error()} />
      <SelectField
        label="Order"
        value={order()}
        options={[
          { value: "ymd", label: "2027-01-31 (year-month-day)" },
          { value: "dmy", label: "31/01/2027 (day/month/year)" },
          { value: "mdy", label: "01/31/2027 (month/day/year)" },
        ]}
        onChange={(e) => setOrder(e.currentTarget.value)}
      />
      <SelectField
        label="Clock"
        value={clock()}
        options={[
          { value: "24h", label: "24-hour (18:30)" },
          { value: "12h", label: "12-hour (6:30 PM)" },
        ]}
        onChange={(e) => setClock(e.currentTarget.value)}
      />
      <p class="muted" data-testid="date-sample">
        Now: {sample()} ({displayTimezone()})
      </p>
      <button type="submit" class="primary">
        Save date format
      </button>
    </form>
  );
}

function PortalForm() {
  const [current, { mutate }] = createResource(() => unwrap(api.GET("/api/settings/portal")));
  const [error, setError] = createSignal<unknown>();
  const flip = async (key: SwitchKey, value: boolean) => {
    setError(undefined);
    try {
      const res = await unwrap(api.PUT("/api/settings/portal", { body: { [key]: asValue(key, value) } }));
      mutate(res);
      toast("Portal settings saved");
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-label="Subscriber portal">
      <h2>Subscriber portal</h2>
      <p class="muted">
        Subscribers sign in at <a href="/portal">{location.origin}/portal</a> with their internet username and password.
      </p>
      <ErrorBanner error={error() ?? current.error} />
      <Show when={current()}>
        {(c) => (
          <For each={SWITCHES}>
            {([key, label]) => (
              <CheckboxField
                label={label}
                checked={isOn(c().portal[key])}
                disabled={key !== "enabled" && !c().portal.enabled}
                onChange={(e) => flip(key, e.currentTarget.checked)}
              />
            )}
          </For>
        )}
      </Show>
    </section>
  );
}

type ProviderRow = ApiItem<"/api/settings/payment-providers">;

const FIELDS = {
  stripe: [
    ["secretKey", "Secret key (sk_…)"],
    ["webhookSecret", "Webhook signing secret (whsec_…)"],
  ],
  mpesa: [
    ["consumerKey", "Consumer key"],
    ["consumerSecret", "Consumer secret"],
    ["shortcode", "Business short code"],
    ["passkey", "Lipa na M-Pesa passkey"],
  ],
} as const;

function ProviderForm(props: { provider: "stripe" | "mpesa"; row?: ProviderRow | undefined; onSaved: () => void }) {
  const [values, setValues] = createSignal<Record<string, string>>({});
  const [environment, setEnvironment] = createSignal("sandbox");
  const { busy, error, submit } = createSubmit({
    send: async () => {
      const config = { ...values(), ...(props.provider === "mpesa" ? { environment: environment() } : {}) };
      await unwrap(
        api.PUT("/api/settings/payment-providers/{provider}", {
          params: { path: { provider: props.provider } },
          body: { enabled: true, config },
        }),
      );
      setValues({});
      toast(`${props.provider === "stripe" ? "Stripe" : "M-Pesa"} saved`);
      props.onSaved();
    },
  });
  return (
    <form class="card" onSubmit={submit} noValidate aria-label={props.provider === "stripe" ? "Stripe" : "M-Pesa"}>
      <h3>{props.provider === "stripe" ? "Stripe (cards)" : "M-Pesa (Daraja STK push)"}</h3>
      <Show when={props.row} fallback={<p class="muted">Not set up.</p>}>
        {(r) => (
          <p data-testid={`provider-${props.provider}`}>
            Set up:{" "}
            {Object.entries(r().publicInfo)
              .map(([k, v]) => `${k} ${v}`)
              .join(" · ")}
          </p>
        )}
      </Show>
      <Show when={props.provider === "stripe"}>
        <p class="muted">
          In Stripe, send the event checkout.session.* to <code>{location.origin}/api/payments/stripe/webhook</code>.
        </p>
      </Show>
      <ErrorBanner error={error()} />
      <For each={FIELDS[props.provider]}>
        {([key, label]) => (
          <TextField
            label={label}
            type={/secret|passkey/i.test(key) ? "password" : "text"}
            autocomplete="off"
            value={values()[key] ?? ""}
            onValue={(v) => setValues({ ...values(), [key]: v })}
          />
        )}
      </For>
      <Show when={props.provider === "mpesa"}>
        <SelectField
          label="Environment"
          value={environment()}
          options={[
            { value: "sandbox", label: "Sandbox" },
            { value: "production", label: "Production" },
          ]}
          onChange={(e) => setEnvironment(e.currentTarget.value)}
        />
      </Show>
      <button type="submit" class="primary" disabled={busy()}>
        {props.row ? "Replace credentials" : "Save"}
      </button>
      <Show when={props.row}>
        <button
          type="button"
          class="danger"
          onClick={async () => {
            if (!confirm("Remove this provider? Subscribers can no longer pay with it.")) return;
            await unwrap(
              api.DELETE("/api/settings/payment-providers/{provider}", {
                params: { path: { provider: props.provider } },
              }),
            );
            props.onSaved();
          }}
        >
          Remove
        </button>
      </Show>
    </form>
  );
}

function PaymentProviders() {
  const [rows, { refetch }] = createResource(() => unwrap(api.GET("/api/settings/payment-providers")));
  const row = (p: "stripe" | "mpesa") => rows()?.items.find((r) => r.provider === p);
  return (
    <section aria-label="Online payments">
      <h2>Online payments</h2>
      <p class="muted">Your own provider accounts; subscribers pay you directly. Secrets are never shown again.</p>
      <ErrorBanner error={rows.error} />
      <Show when={rows()}>
        <div class="grid">
          <ProviderForm provider="stripe" row={row("stripe")} onSaved={() => void refetch()} />
          <ProviderForm provider="mpesa" row={row("mpesa")} onSaved={() => void refetch()} />
        </div>
      </Show>
    </section>
  );
}

/** Money and the subscriber side: currency, portal switches and payment provider accounts. */
export function PortalSettings() {
  return (
    <>
      <div class="grid" style={{ "margin-top": "1rem" }}>
        <CurrencyForm />
        <DateFormatForm />
        <PortalForm />
      </div>
      <PaymentProviders />
    </>
  );
}
