import { createSignal } from "solid-js";
import { api, unwrap } from "../../api/client";
import { SelectField, TextField } from "../../ui/Field";
import { FormDialog } from "../../ui/FormDialog";
import { type CreateTenantInput, type FormErrors, validateCreateTenant } from "../tenant-form";
import { PLANS, type PlanCode, type TenantRow } from "../types";

/** Onboards a tenant as an operator would for a customer: slug, company, plan and its first admin. */
export function CreateTenantDialog(props: { onClose: () => void; onCreated: (t: TenantRow) => void }) {
  const [form, setForm] = createSignal<CreateTenantInput>({
    slug: "",
    companyName: "",
    plan: "trial",
    adminEmail: "",
    adminPassword: "",
    subscriberCap: "",
  });
  const [errors, setErrors] = createSignal<FormErrors<CreateTenantInput>>({});
  const set = (k: keyof CreateTenantInput) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form(), [k]: e.currentTarget.value });

  const submit = async () => {
    const v = form();
    const errs = validateCreateTenant(v);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const res = await unwrap(
      api.POST("/api/saas/tenants", {
        body: {
          slug: v.slug.trim().toLowerCase(),
          companyName: v.companyName.trim(),
          plan: v.plan,
          adminEmail: v.adminEmail.trim(),
          adminPassword: v.adminPassword,
          ...(v.subscriberCap.trim() ? { subscriberCap: Number(v.subscriberCap) } : {}),
        },
      }),
    );
    props.onCreated(res.tenant);
  };

  return (
    <FormDialog
      title="New tenant"
      submitLabel="Create tenant"
      busyLabel="Creating…"
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField label="Slug (subdomain)" value={form().slug} onInput={set("slug")} error={errors().slug} />
      <TextField
        label="Company name"
        value={form().companyName}
        onInput={set("companyName")}
        error={errors().companyName}
      />
      <SelectField
        label="Plan"
        options={PLANS.map((p) => ({ value: p, label: p }))}
        value={form().plan}
        onChange={(e) => setForm({ ...form(), plan: e.currentTarget.value as PlanCode })}
      />
      <TextField
        label="Subscriber cap"
        inputmode="numeric"
        hint="Empty: the plan's default."
        value={form().subscriberCap}
        onInput={set("subscriberCap")}
        error={errors().subscriberCap}
      />
      <TextField
        label="Admin e-mail"
        type="email"
        value={form().adminEmail}
        onInput={set("adminEmail")}
        error={errors().adminEmail}
      />
      <TextField
        label="Admin password"
        type="password"
        autocomplete="new-password"
        value={form().adminPassword}
        onInput={set("adminPassword")}
        error={errors().adminPassword}
      />
    </FormDialog>
  );
}
