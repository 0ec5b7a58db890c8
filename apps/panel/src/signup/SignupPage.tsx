import { createResource, createSignal, Show } from "solid-js";
import { ApiError, api, errorMessage, unwrap } from "../api/client";
import { TextField } from "../ui/Field";
import { emailAddress, newPassword } from "../ui/forms";
import { FindWorkspace } from "./FindWorkspace";

/** The workspace's own address, on the host this page was served from (the apex). */
export function workspaceOrigin(slug: string, loc: Pick<Location, "protocol" | "hostname" | "port"> = location) {
  return `${loc.protocol}//${slug}.${loc.hostname}${loc.port ? `:${loc.port}` : ""}`;
}

/**
 * The apex's first page: an ISP opens its workspace here (trial plan), with the workspace name
 * checked as it is typed, then lands signed in on its own subdomain. The operators' console is
 * one link away at /console.
 */
export default function SignupPage() {
  const [slug, setSlug] = createSignal("");
  const [company, setCompany] = createSignal("");
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [errors, setErrors] = createSignal<Record<string, string | undefined>>({});
  const [failure, setFailure] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const [existing, setExisting] = createSignal("");

  // Checked after a short pause in typing, so each keystroke does not cost a request.
  const [debounced, setDebounced] = createSignal("");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onSlug = (v: string) => {
    setSlug(v.trim().toLowerCase());
    clearTimeout(timer);
    timer = setTimeout(() => setDebounced(v.trim().toLowerCase()), 300);
  };
  const [check] = createResource(debounced, (s) =>
    s ? unwrap(api.GET("/api/signup/slug", { params: { query: { slug: s } } })) : undefined,
  );
  const slugHint = () => {
    const c = check();
    if (!slug()) return "3–40 lowercase letters, digits and single dashes; it becomes your address.";
    if (check.loading || c?.slug !== slug()) return `${workspaceOrigin(slug())}`;
    return c.available ? `${workspaceOrigin(slug())} is free.` : undefined;
  };
  const slugError = () => {
    const c = check();
    return errors().slug ?? (c && c.slug === slug() && !c.available ? c.reason : undefined);
  };

  const validate = () => {
    const e: Record<string, string | undefined> = {};
    if (!slug()) e.slug = "Choose a workspace name.";
    if (!company().trim()) e.companyName = "Enter your company's name.";
    e.adminEmail = emailAddress(email());
    e.adminPassword = newPassword(password());
    setErrors(e);
    return Object.values(e).every((v) => !v);
  };

  const submit = async (ev: SubmitEvent) => {
    ev.preventDefault();
    setFailure(undefined);
    if (!validate()) return;
    setBusy(true);
    try {
      const res = await unwrap(
        api.POST("/api/signup", {
          body: {
            slug: slug(),
            companyName: company().trim(),
            plan: "trial",
            adminEmail: email().trim(),
            adminPassword: password(),
          },
        }),
      );
      const target = workspaceOrigin(res.tenant.slug);
      location.assign(res.handoff ? `${target}/#handoff=${encodeURIComponent(res.handoff)}` : `${target}/`);
    } catch (err) {
      // Field problems from the server go beside their field; anything else above the button.
      const details = err instanceof ApiError && Array.isArray(err.details) ? err.details : [];
      const byField: Record<string, string> = {};
      for (const d of details as { path?: string; message?: string }[]) {
        if (d.path) byField[d.path] = d.message ?? "invalid";
      }
      if (err instanceof ApiError && (err.code === "slug_taken" || err.code === "reserved_slug")) {
        byField.slug = err.message;
      }
      setErrors(byField);
      if (Object.keys(byField).length === 0) setFailure(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <main class="login-page signup-page">
      <div class="signup-column">
        <form class="login-card" onSubmit={submit} aria-label="Open your workspace" novalidate>
          <h1>Open your ISP workspace</h1>
          <p class="muted">Free trial: subscribers, plans, NAS, RADIUS and backups. Upgrade when you are ready.</p>
          <TextField
            label="Workspace name"
            name="slug"
            autocomplete="off"
            value={slug()}
            onValue={onSlug}
            error={slugError()}
            hint={slugHint()}
          />
          <TextField
            label="Company name"
            name="companyName"
            value={company()}
            onValue={setCompany}
            error={errors().companyName}
          />
          <TextField
            label="Your e-mail (first administrator)"
            name="adminEmail"
            type="email"
            autocomplete="email"
            value={email()}
            onValue={setEmail}
            error={errors().adminEmail}
          />
          <TextField
            label="Password"
            name="adminPassword"
            type="password"
            autocomplete="new-password"
            value={password()}
            onValue={setPassword}
            error={errors().adminPassword}
            hint="At least 10 characters."
          />
          <Show when={failure()}>
            <p role="alert" class="field-error">
              {failure()}
            </p>
          </Show>
          <button type="submit" class="primary" disabled={busy()}>
            {busy() ? "Opening your workspace…" : "Open my workspace"}
          </button>
        </form>
        <form
          class="login-card"
          aria-label="Go to your workspace"
          onSubmit={(e) => {
            e.preventDefault();
            if (existing().trim()) location.assign(`${workspaceOrigin(existing().trim().toLowerCase())}/`);
          }}
        >
          <TextField
            label="Already have a workspace? Its name"
            name="existing"
            value={existing()}
            onValue={setExisting}
          />
          <button type="submit">Go to my workspace</button>
          <p class="muted">
            Operating this installation? <a href="/console">Operator console</a>
          </p>
        </form>
        <FindWorkspace />
      </div>
    </main>
  );
}
