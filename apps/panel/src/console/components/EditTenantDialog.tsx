import { createSignal, For, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import { CheckboxField, SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { SLUG_RE, validateCap } from "../tenant-form";
import { type ConsoleTenant, MODULES, type Module, PLANS, type PlanCode } from "../types";

/** Rename, company name, plan, cap and modules in one PATCH: the server applies all or nothing. */
export function EditTenantDialog(props: { tenant: ConsoleTenant; onClose: () => void; onSaved: () => void }) {
  const t = props.tenant;
  const [slug, setSlug] = createSignal(t.slug);
  const [companyName, setCompanyName] = createSignal(t.companyName);
  // A tenant may be on a plan an operator added (not one of the seeded codes): kept as it is.
  const [plan, setPlan] = createSignal<string>(t.plan);
  const [cap, setCap] = createSignal(String(t.subscriberCap));
  const [customModules, setCustomModules] = createSignal(t.modules !== null);
  const [modules, setModules] = createSignal<Module[]>(t.modules ?? [...MODULES]);
  const [errors, setErrors] = createSignal<{ slug?: string; companyName?: string; cap?: string }>({});

  const toggle = (m: Module, on: boolean) =>
    setModules(on ? [...new Set([...modules(), m])] : modules().filter((x) => x !== m));

  const submit = async () => {
    const errs: { slug?: string; companyName?: string; cap?: string } = {};
    const newSlug = slug().trim().toLowerCase();
    if (!SLUG_RE.test(newSlug)) errs.slug = "Lower-case letters, digits and dashes (1–63).";
    if (!companyName().trim()) errs.companyName = "Enter the company name.";
    const capError = cap().trim() === "" ? "Enter a cap." : validateCap(cap());
    if (capError) errs.cap = capError;
    setErrors(errs);
    if (Object.keys(errs).length) return;

    const body = {
      ...(newSlug !== t.slug ? { slug: newSlug } : {}),
      ...(companyName().trim() !== t.companyName ? { companyName: companyName().trim() } : {}),
      // Only sent when changed, and then it is one of the select's seeded codes.
      ...(plan() !== t.plan ? { plan: plan() as PlanCode } : {}),
      ...(Number(cap()) !== t.subscriberCap ? { subscriberCap: Number(cap()) } : {}),
      modules: customModules() ? MODULES.filter((m) => modules().includes(m)) : null,
    };
    await unwrap(api.PATCH("/api/saas/tenants/{id}", { params: { path: { id: t.id } }, body }));
    props.onSaved();
  };

  return (
    <FormDialog
      title={`Edit ${t.slug}`}
      submitLabel="Save"
      busyLabel="Saving…"
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField
        label="Slug (subdomain)"
        hint="Renaming moves the panel to the new subdomain."
        value={slug()}
        onValue={setSlug}
        error={errors().slug}
      />
      <TextField label="Company name" value={companyName()} onValue={setCompanyName} error={errors().companyName} />
      <SelectField
        label="Plan"
        options={PLANS.map((p) => ({ value: p, label: p }))}
        value={plan()}
        onChange={(e) => setPlan(e.currentTarget.value as PlanCode)}
      />
      <TextField label="Subscriber cap" inputmode="numeric" value={cap()} onValue={setCap} error={errors().cap} />
      <CheckboxField
        label="Choose modules for this tenant (otherwise the plan's)"
        checked={customModules()}
        onChange={(e) => setCustomModules(e.currentTarget.checked)}
      />
      <Show when={customModules()}>
        <fieldset class="module-list">
          <legend>Modules</legend>
          <For each={[...MODULES]}>
            {(m) => (
              <CheckboxField
                label={m}
                checked={modules().includes(m)}
                onChange={(e) => toggle(m, e.currentTarget.checked)}
              />
            )}
          </For>
        </fieldset>
      </Show>
    </FormDialog>
  );
}
