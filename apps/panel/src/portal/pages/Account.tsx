import { createSignal, Show } from "solid-js";
import { unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { TextField } from "../../ui/Field";
import { EMAIL_RE } from "../../ui/forms";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";
import { portalApi } from "../client";
import { portal } from "../session";

function ProfileForm() {
  const s = () => portal.me()?.subscriber;
  const [email, setEmail] = createSignal(s()?.email ?? "");
  const [phone, setPhone] = createSignal(s()?.phone ?? "");
  const [address, setAddress] = createSignal(s()?.address ?? "");
  const [emailError, setEmailError] = createSignal<string>();
  const { busy, error, submit } = createSubmit({
    check: () => {
      const bad =
        email().trim() && !EMAIL_RE.test(email().trim()) ? "Enter an e-mail address like name@example.com." : undefined;
      setEmailError(bad);
      return !bad;
    },
    send: async () => {
      const body = { email: email().trim() || null, phone: phone().trim() || null, address: address().trim() || null };
      await unwrap(portalApi.PATCH("/api/portal/profile", { body }));
      toast("Contact details saved.");
      await portal.refetchMe();
    },
  });
  return (
    <form class="card" onSubmit={submit} noValidate aria-label="Contact details">
      <h2>Contact details</h2>
      <ErrorBanner error={error()} />
      <TextField label="E-mail" type="email" value={email()} onValue={setEmail} error={emailError()} />
      <TextField label="Phone" type="tel" value={phone()} onValue={setPhone} />
      <TextField label="Address" value={address()} onValue={setAddress} />
      <button type="submit" class="primary" disabled={busy()}>
        Save
      </button>
    </form>
  );
}

function PasswordForm() {
  const [current, setCurrent] = createSignal("");
  const [next, setNext] = createSignal("");
  const [repeat, setRepeat] = createSignal("");
  const [errs, setErrs] = createSignal<{ current?: string; next?: string; repeat?: string }>({});
  const { busy, error, submit } = createSubmit({
    check: () => {
      const e = {
        current: current() ? undefined : "Enter your current password.",
        next: next().length >= 4 && next().length <= 64 ? undefined : "Use 4 to 64 characters.",
        repeat: repeat() === next() ? undefined : "The two passwords differ.",
      };
      setErrs(e);
      return !e.current && !e.next && !e.repeat;
    },
    send: async () => {
      const res = await unwrap(
        portalApi.POST("/api/portal/password", { body: { currentPassword: current(), newPassword: next() } }),
      );
      portal.signIn(res.token);
      setCurrent("");
      setNext("");
      setRepeat("");
      toast("Password changed. Use the new one on your router too.");
    },
  });
  return (
    <form class="card" onSubmit={submit} noValidate aria-label="Change password">
      <h2>Password</h2>
      <p class="muted">This is also your internet (PPPoE) password: update your router after changing it.</p>
      <ErrorBanner error={error()} />
      <TextField
        label="Current password"
        type="password"
        autocomplete="current-password"
        value={current()}
        onValue={setCurrent}
        error={errs().current}
      />
      <TextField
        label="New password"
        type="password"
        autocomplete="new-password"
        value={next()}
        onValue={setNext}
        error={errs().next}
      />
      <TextField
        label="Repeat new password"
        type="password"
        autocomplete="new-password"
        value={repeat()}
        onValue={setRepeat}
        error={errs().repeat}
      />
      <button type="submit" class="primary" disabled={busy()}>
        Change password
      </button>
    </form>
  );
}

/** Contact details and password, each only where the provider allows the change. */
export default function Account() {
  const settings = () => portal.me()?.settings;
  return (
    <section>
      <h1>Profile & password</h1>
      <div class="portal-cards">
        <Show
          when={settings()?.allowProfileEdit}
          fallback={<p class="muted">To change your contact details, contact your provider.</p>}
        >
          <ProfileForm />
        </Show>
        <Show when={settings()?.allowPasswordChange}>
          <PasswordForm />
        </Show>
      </div>
    </section>
  );
}
