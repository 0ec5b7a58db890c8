import { createSignal, Show } from "solid-js";
import { api, unwrap } from "../api/client";
import { ErrorBanner } from "../ui/ErrorBanner";
import { TextField } from "../ui/Field";
import { emailAddress } from "../ui/forms";
import { createSubmit } from "../ui/submit";

/** "Forgot your workspace's name?": the links are mailed to the address, never shown here. */
export function FindWorkspace() {
  const [email, setEmail] = createSignal("");
  const [problem, setProblem] = createSignal<string>();
  const [sent, setSent] = createSignal(false);
  const { busy, error, submit } = createSubmit({
    check: () => {
      const p = emailAddress(email());
      setProblem(p);
      return !p;
    },
    send: async () => {
      await unwrap(api.POST("/api/signup/find-workspace", { body: { email: email().trim() } }));
      setSent(true);
    },
  });
  return (
    <form class="login-card" aria-label="Find my workspace" onSubmit={submit} noValidate>
      <Show
        when={!sent()}
        fallback={
          <p role="status" data-testid="find-sent">
            If {email().trim()} belongs to any workspace, a mail with their addresses is on its way.
          </p>
        }
      >
        <ErrorBanner error={error()} />
        <TextField
          label="Forgot its name? Your e-mail"
          type="email"
          name="find-email"
          value={email()}
          onValue={setEmail}
          error={problem()}
        />
        <button type="submit" disabled={busy()}>
          Mail me my workspaces
        </button>
      </Show>
    </form>
  );
}
