import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiData } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextField } from "../../ui/Field";
import { serverFieldErrors } from "../../ui/forms";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";

type Settings = ApiData<"/api/vouchers/settings", "get">["settings"];
type Mode = Settings["passwordMode"];

const URL_SHAPE = /^https?:\/\/[^\s"'<>]+$/;

/** The form, once the stored settings are in: shown with what is saved, never with defaults over it. */
function SettingsForm(props: { saved: Settings; onSaved: (s: Settings) => void }) {
  const [mode, setMode] = createSignal<Mode>(props.saved.passwordMode);
  const [loginUrl, setLoginUrl] = createSignal(props.saved.loginUrl ?? "");
  const [urlError, setUrlError] = createSignal<string>();
  const { busy, error, submit } = createSubmit({
    check: () => {
      const u = loginUrl().trim();
      const bad = u && (u.length > 200 || !URL_SHAPE.test(u)) ? "An http:// or https:// address." : undefined;
      setUrlError(bad);
      return !bad;
    },
    send: async () => {
      const res = await unwrap(
        api.PUT("/api/vouchers/settings", { body: { passwordMode: mode(), loginUrl: loginUrl().trim() || null } }),
      );
      props.onSaved(res.settings);
      toast("Voucher settings saved");
    },
    onError: (err) => {
      const field = serverFieldErrors(err).loginUrl;
      if (field) setUrlError(field);
      return Boolean(field);
    },
  });
  return (
    <form onSubmit={submit} noValidate>
      <ErrorBanner error={error()} />
      <SelectField
        label="Password at the hotspot"
        value={mode()}
        options={[
          { value: "code", label: "The code is the username and the password" },
          { value: "empty", label: "The code is the username; the password is empty" },
        ]}
        onChange={(e) => setMode(e.currentTarget.value === "empty" ? "empty" : "code")}
        hint="Empty suits MikroTik's voucher-only login page, which sends no password."
      />
      <TextField
        label="Hotspot login address"
        type="url"
        value={loginUrl()}
        onValue={setLoginUrl}
        error={urlError()}
        placeholder="http://wifi.example/login"
        hint="Printed cards' QR codes open it with the code filled in; empty: the QR code holds the bare code."
      />
      <button type="submit" class="primary" disabled={busy()}>
        Save voucher settings
      </button>
    </form>
  );
}

/** How vouchers log in at the hotspot and what the printed QR code opens (vouchers.edit). */
export function VoucherSettings() {
  const [settings, { mutate }] = createResource(() => unwrap(api.GET("/api/vouchers/settings")));
  return (
    <section class="card" aria-label="Voucher settings">
      <h2>Voucher settings</h2>
      <ErrorBanner error={settings.error} />
      <Show when={settings()}>
        {(s) => <SettingsForm saved={s().settings} onSaved={(saved) => mutate({ settings: saved })} />}
      </Show>
    </section>
  );
}
