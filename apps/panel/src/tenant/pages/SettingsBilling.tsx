import { createResource, createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiData } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../ui/Field";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";
import { session } from "../session";

type BillingPrefs = ApiData<"/api/billing/settings", "get">;

/** "16" or "7.5" (percent as typed) to basis points; undefined when it is not a percentage. */
const toBasisPoints = (s: string) => {
  const n = Number(s.replace(",", "."));
  return s.trim() !== "" && Number.isFinite(n) && n >= 0 && n <= 100 ? Math.round(n * 100) : undefined;
};

function TaxRates() {
  const [rates, { refetch }] = createResource(() => unwrap(api.GET("/api/billing/tax-rates")));
  const [name, setName] = createSignal("");
  const [percent, setPercent] = createSignal("");
  const [inclusive, setInclusive] = createSignal(false);
  const [isDefault, setIsDefault] = createSignal(true);
  const [bad, setBad] = createSignal<string>();
  const [rowError, setRowError] = createSignal<unknown>();
  const editable = () => session.can("billing.edit");
  const { busy, error, submit } = createSubmit({
    check: () => {
      setBad(toBasisPoints(percent()) === undefined ? "A percentage between 0 and 100." : undefined);
      return !bad() && name().trim() !== "";
    },
    send: async () => {
      const basisPoints = toBasisPoints(percent()) ?? 0;
      await unwrap(
        api.POST("/api/billing/tax-rates", {
          body: { name: name().trim(), basisPoints, inclusive: inclusive(), isDefault: isDefault() },
        }),
      );
      setName("");
      setPercent("");
      toast("Tax rate added");
      void refetch();
    },
  });
  const act = async (fn: () => Promise<unknown>) => {
    setRowError(undefined);
    try {
      await fn();
      void refetch();
    } catch (err) {
      setRowError(err);
    }
  };
  return (
    <section class="card" aria-label="Tax rates">
      <h2>Tax rates</h2>
      <p class="muted">
        The default rate goes on every new invoice. Inclusive: plan prices already contain it; exclusive: it is added.
      </p>
      <ErrorBanner error={rates.error ?? rowError()} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Rate</th>
            <th>Prices</th>
            <th>Default</th>
            <Show when={editable()}>
              <th />
            </Show>
          </tr>
        </thead>
        <tbody>
          <For
            each={rates()?.items ?? []}
            fallback={
              <tr>
                <td colSpan={5} class="muted">
                  No tax rates: invoices carry no tax.
                </td>
              </tr>
            }
          >
            {(r) => (
              <tr>
                <td>{r.name}</td>
                <td>{r.basisPoints / 100} %</td>
                <td>{r.inclusive ? "include tax" : "exclude tax"}</td>
                <td>{r.isDefault ? "default" : ""}</td>
                <Show when={editable()}>
                  <td>
                    <Show when={!r.isDefault}>
                      <button
                        type="button"
                        onClick={() =>
                          act(() =>
                            unwrap(
                              api.PATCH("/api/billing/tax-rates/{id}", {
                                params: { path: { id: r.id } },
                                body: { isDefault: true },
                              }),
                            ),
                          )
                        }
                      >
                        Make default
                      </button>
                    </Show>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => {
                        if (!confirm(`Delete ${r.name}? Invoices already issued keep it.`)) return;
                        void act(() =>
                          unwrap(api.DELETE("/api/billing/tax-rates/{id}", { params: { path: { id: r.id } } })),
                        );
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </Show>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <Show when={editable()}>
        <form onSubmit={submit} noValidate aria-label="New tax rate">
          <ErrorBanner error={error()} />
          <TextField label="Name (e.g. VAT)" value={name()} onValue={setName} maxLength={100} />
          <TextField label="Rate (%)" value={percent()} onValue={setPercent} error={bad()} inputMode="decimal" />
          <CheckboxField
            label="Prices include this tax"
            checked={inclusive()}
            onChange={(e) => setInclusive(e.currentTarget.checked)}
          />
          <CheckboxField
            label="Default rate"
            checked={isDefault()}
            onChange={(e) => setIsDefault(e.currentTarget.checked)}
          />
          <button type="submit" class="primary" disabled={busy()}>
            Add tax rate
          </button>
        </form>
      </Show>
    </section>
  );
}

function BillingPrefsForm(props: { prefs: BillingPrefs }) {
  const [days, setDays] = createSignal(String(props.prefs.invoiceDaysBefore));
  const [dueDays, setDueDays] = createSignal(String(props.prefs.postpaidDueDays));
  const [grace, setGrace] = createSignal(String(props.prefs.graceDays));
  const [suspend, setSuspend] = createSignal(props.prefs.suspendOnNonPayment);
  const [mode, setMode] = createSignal(props.prefs.suspension.mode);
  const [gardenRate, setGardenRate] = createSignal(props.prefs.suspension.rateLimit);
  const [addressList, setAddressList] = createSignal(props.prefs.suspension.addressList);
  const [filterId, setFilterId] = createSignal(props.prefs.suspension.filterId);
  const [address, setAddress] = createSignal(props.prefs.legal.address);
  const [taxId, setTaxId] = createSignal(props.prefs.legal.taxId);
  const [footer, setFooter] = createSignal(props.prefs.legal.footer);
  const int = (s: string) => (/^\d{1,3}$/.test(s.trim()) ? Number(s) : undefined);
  const { busy, error, submit } = createSubmit({
    check: () => [days(), dueDays(), grace()].every((v) => int(v) !== undefined),
    send: async () => {
      await unwrap(
        api.PATCH("/api/billing/settings", {
          body: {
            invoiceDaysBefore: int(days()) ?? 3,
            postpaidDueDays: int(dueDays()) ?? 7,
            graceDays: int(grace()) ?? 7,
            suspendOnNonPayment: suspend(),
            suspension: { mode: mode(), rateLimit: gardenRate(), addressList: addressList(), filterId: filterId() },
            legal: { address: address(), taxId: taxId(), footer: footer() },
          },
        }),
      );
      toast("Billing settings saved");
    },
  });
  return (
    <form class="card" onSubmit={submit} noValidate aria-label="Invoicing">
      <h2>Invoicing</h2>
      <ErrorBanner error={error()} />
      <TextField
        label="Prepaid: issue the next invoice this many days before expiry"
        value={days()}
        onValue={setDays}
        inputMode="numeric"
      />
      <TextField label="Postpaid: days to pay an invoice" value={dueDays()} onValue={setDueDays} inputMode="numeric" />
      <TextField label="Grace days after the due date" value={grace()} onValue={setGrace} inputMode="numeric" />
      <CheckboxField
        label="Suspend subscribers with an invoice unpaid past the grace days (restored on payment)"
        checked={suspend()}
        onChange={(e) => setSuspend(e.currentTarget.checked)}
      />
      <SelectField
        label="A suspended subscriber connecting"
        value={mode()}
        onChange={(e) => setMode(e.currentTarget.value === "walled_garden" ? "walled_garden" : "reject")}
        options={[
          { value: "reject", label: "is refused (RADIUS reject)" },
          { value: "walled_garden", label: "gets the walled garden (to reach the portal and pay)" },
        ]}
      />
      <Show when={mode() === "walled_garden"}>
        <TextField
          label="Walled-garden rate (upload/download)"
          value={gardenRate()}
          onValue={setGardenRate}
          hint="MikroTik syntax, e.g. 256k/256k"
        />
        <TextField
          label="Address list (Mikrotik-Address-List)"
          value={addressList()}
          onValue={setAddressList}
          hint="Your NAS's firewall lets this list reach only the portal and payment pages; empty: not sent"
        />
        <TextField label="Filter-Id" value={filterId()} onValue={setFilterId} hint="Empty: not sent" />
      </Show>
      <TextAreaField label="Company address (on invoices)" value={address()} onValue={setAddress} maxLength={1000} />
      <TextField label="Tax ID" value={taxId()} onValue={setTaxId} maxLength={100} />
      <TextAreaField label="Invoice footer" value={footer()} onValue={setFooter} maxLength={2000} />
      <button type="submit" class="primary" disabled={busy()}>
        Save invoicing
      </button>
    </form>
  );
}

/** Tax rates, the recurring invoice run and the legal details printed on invoices. */
export function BillingSettings() {
  const [prefs] = createResource(() => unwrap(api.GET("/api/billing/settings")));
  return (
    <Show when={session.can("billing.view")}>
      <section aria-label="Billing">
        <h2>Billing</h2>
        <ErrorBanner error={prefs.error} />
        <div class="grid">
          <TaxRates />
          <Show when={prefs()}>{(p) => <BillingPrefsForm prefs={p()} />}</Show>
        </div>
      </section>
    </Show>
  );
}
