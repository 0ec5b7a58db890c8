import { createResource, createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiData } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { Badge } from "../../ui/Badge";
import { CopyButton } from "../../ui/CopyButton";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField, TextAreaField, TextField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { required } from "../../ui/forms";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";
import { session } from "../session";
import { BillingSettings } from "./SettingsBilling";
import { PortalSettings } from "./SettingsPortal";

type Settings = ApiData<"/api/settings", "get">;
type DomainState = ApiData<"/api/settings/domain", "get">;

const COLOR = /^#[0-9a-fA-F]{6}$/;
const ASSETS = [
  { kind: "logo", label: "Logo" },
  { kind: "login-background", label: "Login background" },
  { kind: "favicon", label: "Favicon" },
] as const;

function timezones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? ["UTC"];
}

function BrandingEditor(props: { settings: Settings; onSaved: () => void }) {
  const b = props.settings.branding;
  const [companyName, setCompanyName] = createSignal(props.settings.companyName);
  const [primary, setPrimary] = createSignal(b.primaryColor);
  const [secondary, setSecondary] = createSignal(b.secondaryColor);
  const [accent, setAccent] = createSignal(b.accentColor);
  const [css, setCss] = createSignal(b.customCss);
  const [nameError, setNameError] = createSignal<string>();
  const [error, setError] = createSignal<unknown>();

  const save = async (e: Event) => {
    e.preventDefault();
    setNameError(required(companyName(), "Company name"));
    if (nameError()) return;
    if (![primary(), secondary(), accent()].every((c) => COLOR.test(c))) {
      return setError(new Error("Colours must be #rrggbb."));
    }
    try {
      await unwrap(
        api.PATCH("/api/settings/branding", {
          body: {
            companyName: companyName().trim(),
            primaryColor: primary(),
            secondaryColor: secondary(),
            accentColor: accent(),
            customCss: css(),
          },
        }),
      );
      toast("Branding saved");
      props.onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const upload = async (kind: (typeof ASSETS)[number]["kind"], file: File) => {
    const form = new FormData();
    form.append("file", file);
    try {
      await unwrap(
        api.POST("/api/settings/branding/{kind}", {
          params: { path: { kind } },
          body: form as never,
          bodySerializer: (f: unknown) => f as FormData,
        }),
      );
      toast("Image uploaded");
      props.onSaved();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div class="grid">
      <form onSubmit={save} noValidate class="card" aria-label="Branding">
        <h2>Branding</h2>
        <ErrorBanner error={error()} onDismiss={() => setError(undefined)} />
        <TextField label="Company name" value={companyName()} onValue={setCompanyName} error={nameError()} />
        <TextField label="Primary colour" type="color" value={primary()} onValue={setPrimary} />
        <TextField label="Secondary colour" type="color" value={secondary()} onValue={setSecondary} />
        <TextField label="Accent colour" type="color" value={accent()} onValue={setAccent} />
        <TextAreaField label="Custom CSS" rows={5} value={css()} onValue={setCss} />
        <For each={ASSETS}>
          {(a) => (
            <div class="field">
              <label for={`asset-${a.kind}`}>{a.label} (PNG, JPEG, WebP, SVG or ICO, up to 2 MiB)</label>
              <input
                id={`asset-${a.kind}`}
                type="file"
                accept="image/*"
                onChange={(e) => {
                  const f = e.currentTarget.files?.[0];
                  if (f) void upload(a.kind, f);
                }}
              />
            </div>
          )}
        </For>
        <div class="actions">
          <button type="submit" class="primary">
            Save branding
          </button>
        </div>
      </form>
      <section class="card" aria-label="Preview">
        <h2>Preview</h2>
        <div
          class="preview"
          data-testid="branding-preview"
          style={{
            background: secondary(),
            padding: "1.5rem",
            "border-radius": "8px",
            ...(b.loginBackgroundUrl
              ? { "background-image": `url("${b.loginBackgroundUrl}")`, "background-size": "cover" }
              : {}),
          }}
        >
          <div
            style={{
              background: "#fff",
              padding: "1rem",
              "border-radius": "8px",
              "border-top": `6px solid ${primary()}`,
            }}
          >
            <Show when={b.logoUrl}>{(src) => <img src={src()} alt="" style={{ "max-height": "3rem" }} />}</Show>
            <strong style={{ display: "block", margin: "0.5rem 0" }}>{companyName()}</strong>
            <button type="button" style={{ background: primary(), color: "#fff", "border-color": primary() }}>
              Sign in
            </button>{" "}
            <span style={{ color: accent() }}>accent</span>
          </div>
        </div>
      </section>
    </div>
  );
}

function TimezoneForm(props: { timezone: string }) {
  const [tz, setTz] = createSignal(props.timezone);
  const { error, submit: save } = createSubmit({
    send: async () => {
      await unwrap(api.PATCH("/api/settings/timezone", { body: { timezone: tz() } }));
      // Dates across the panel follow the new zone at once.
      session.refetchBranding();
      toast("Timezone saved");
    },
  });
  return (
    <form class="card" onSubmit={save} aria-label="Timezone">
      <h2>Timezone</h2>
      <ErrorBanner error={error()} />
      <SelectField
        label="Timezone (expiry dates, schedules)"
        value={tz()}
        options={[...new Set([props.timezone, ...timezones()])].sort().map((z) => ({ value: z, label: z }))}
        onChange={(e) => setTz(e.currentTarget.value)}
      />
      <button type="submit" class="primary">
        Save timezone
      </button>
    </form>
  );
}

function DomainWizard() {
  const [state, { mutate }] = createResource(() => unwrap(api.GET("/api/settings/domain")));
  const [domain, setDomain] = createSignal("");
  const [domainError, setDomainError] = createSignal<string>();
  const actions = createActionError();
  const run = (fn: () => Promise<DomainState>) => actions.run(async () => mutate(await fn()));
  const submit = (e: Event) => {
    e.preventDefault();
    const d = domain().trim().toLowerCase();
    if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(d)) return setDomainError("Enter a domain like panel.example.com.");
    setDomainError(undefined);
    void run(() => unwrap(api.PUT("/api/settings/domain", { body: { domain: d } })));
  };
  return (
    <section class="card" aria-label="Custom domain">
      <h2>Custom domain</h2>
      <ErrorBanner error={actions.error() ?? state.error} />
      <Show
        when={state()?.domain}
        fallback={
          <form onSubmit={submit} noValidate>
            <TextField
              label="Domain"
              placeholder="panel.example.com"
              value={domain()}
              onValue={setDomain}
              error={domainError()}
            />
            <button type="submit" class="primary">
              Add domain
            </button>
          </form>
        }
      >
        <p>
          {state()?.domain} <Badge tone={state()?.status === "verified" ? "ok" : "warn"}>{state()?.status ?? ""}</Badge>
          <Show when={state()?.verifiedAt}> since {formatDate(state()?.verifiedAt)}</Show>
        </p>
        <Show when={state()?.dns}>
          {(dns) => (
            <ol>
              <li>
                Add a TXT record <code>{dns().txt.name}</code> with the value{" "}
                <code class="secret" data-testid="txt-value">
                  {dns().txt.value}
                </code>{" "}
                <CopyButton value={dns().txt.value} />
              </li>
              <li>
                Point <code>{dns().cname.name}</code> at <code>{dns().cname.target}</code> (CNAME).
              </li>
              <li>Verify once the records are published (DNS can take a while).</li>
            </ol>
          )}
        </Show>
        <div class="actions">
          <Show when={state()?.status !== "verified"}>
            <button
              type="button"
              class="primary"
              onClick={() => run(() => unwrap(api.POST("/api/settings/domain/verify")))}
            >
              Verify
            </button>
          </Show>
          <button
            type="button"
            onClick={() =>
              run(async () => {
                await unwrap(api.DELETE("/api/settings/domain"));
                return { domain: null, status: "none", verifiedAt: null, dns: null };
              })
            }
          >
            Remove domain
          </button>
        </div>
      </Show>
    </section>
  );
}

export default function SettingsPage() {
  const [settings, { refetch }] = createResource(() => unwrap(api.GET("/api/settings")));
  return (
    <section>
      <h1>Settings</h1>
      <ErrorBanner error={settings.error} />
      <Show when={settings()}>
        {(s) => (
          <>
            <BrandingEditor
              settings={s()}
              onSaved={() => {
                void refetch();
                void session.refetchBranding();
              }}
            />
            <div class="grid" style={{ "margin-top": "1rem" }}>
              <TimezoneForm timezone={s().timezone} />
              <DomainWizard />
            </div>
            <PortalSettings />
            <BillingSettings />
          </>
        )}
      </Show>
    </section>
  );
}
