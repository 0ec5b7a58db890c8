import { createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiData } from "../../api/types";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../ui/Field";
import { createSubmit } from "../../ui/submit";
import { toast } from "../../ui/Toast";

/** Per subscriber: messages queued, channels skipped (opt-out, no address), or why it failed. */
type MessageReport = ApiData<"/api/subscribers/messages", "post">;

/**
 * The "Message" bulk action: the operator's text (with the templates' subscriber variables) on SMS
 * and/or e-mail, or the tenant's expiry-reminder templates, queued for each selected subscriber.
 * Rendered inside the bulk bar's form, so it submits with a button of its own, not a nested form.
 */
export function BulkMessage(props: { ids: string[]; onDone: () => void }) {
  const [kind, setKind] = createSignal<"text" | "expiry_reminder">("text");
  const [sms, setSms] = createSignal(true);
  const [email, setEmail] = createSignal(false);
  const [subject, setSubject] = createSignal("");
  const [text, setText] = createSignal("");
  const [report, setReport] = createSignal<MessageReport>();
  const { busy, error, submit } = createSubmit({
    send: async () => {
      const channels = [...(sms() ? (["sms"] as const) : []), ...(email() ? (["email"] as const) : [])];
      const body =
        kind() === "text"
          ? { ids: props.ids, channels, text: text(), ...(email() ? { subject: subject() } : {}) }
          : { ids: props.ids, template: "expiry_reminder" as const };
      const res = await unwrap(api.POST("/api/subscribers/messages", { body }));
      setReport(res);
      toast(
        `${res.queued} message${res.queued === 1 ? "" : "s"} queued${res.skipped ? `, ${res.skipped} skipped` : ""}${res.failed ? `, ${res.failed} refused` : ""}`,
        res.failed ? "error" : "ok",
      );
    },
  });
  const problems = () =>
    report()?.results.flatMap((r) =>
      r.ok
        ? (r.skipped ?? []).map((s) => `${r.id.slice(0, 8)}: ${s.reason}`)
        : [`${r.id.slice(0, 8)}: ${r.error?.message ?? "refused"}`],
    ) ?? [];
  return (
    <fieldset class="bulk-message" aria-label="Message">
      <SelectField
        label="Message"
        value={kind()}
        options={[
          { value: "text", label: "Write a message" },
          { value: "expiry_reminder", label: "Send the expiry reminder template" },
        ]}
        onChange={(e) => setKind(e.currentTarget.value === "expiry_reminder" ? "expiry_reminder" : "text")}
      />
      <Show when={kind() === "text"}>
        <CheckboxField label="SMS" checked={sms()} onChange={(e) => setSms(e.currentTarget.checked)} />
        <CheckboxField label="E-mail" checked={email()} onChange={(e) => setEmail(e.currentTarget.checked)} />
        <Show when={email()}>
          <TextField label="Subject" value={subject()} onValue={setSubject} maxLength={200} />
        </Show>
        <TextAreaField
          label="Text"
          value={text()}
          onValue={setText}
          maxLength={email() ? 10_000 : 1_000}
          hint="Variables: {{subscriber.full_name}}, {{subscriber.username}}, {{subscriber.expires_at}}, {{plan.name}}, {{company.name}}…"
        />
      </Show>
      <button type="button" class="primary" disabled={busy()} onClick={() => submit()}>
        Send to {props.ids.length}
      </button>
      <ErrorBanner error={error()} />
      <Show when={report()}>
        <Show when={problems().length}>
          <ul class="bulk-failures" data-testid="message-skipped">
            <For each={problems()}>{(p) => <li>{p}</li>}</For>
          </ul>
        </Show>
        <button type="button" onClick={() => props.onDone()}>
          Done
        </button>
      </Show>
    </fieldset>
  );
}
