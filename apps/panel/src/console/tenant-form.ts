/** Client-side checks mirroring the API's rules, so obvious mistakes never make a round trip. */

import { emailAddress, newPassword } from "../ui/forms";

export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface CreateTenantInput {
  slug: string;
  companyName: string;
  plan: "trial" | "starter" | "pro" | "custom";
  adminEmail: string;
  adminPassword: string;
  subscriberCap: string;
}

export type FormErrors<T> = Partial<Record<keyof T, string>>;

export function validateCap(cap: string): string | undefined {
  if (cap.trim() === "") return undefined;
  const n = Number(cap);
  return Number.isInteger(n) && n >= 0 && n <= 1_000_000 ? undefined : "A whole number from 0 to 1,000,000.";
}

export function validateCreateTenant(v: CreateTenantInput): FormErrors<CreateTenantInput> {
  const e: FormErrors<CreateTenantInput> = {};
  const slug = v.slug.trim().toLowerCase();
  if (!SLUG_RE.test(slug)) e.slug = "Lower-case letters, digits and dashes (1–63), not starting or ending with a dash.";
  if (!v.companyName.trim()) e.companyName = "Enter the company name.";
  const email = emailAddress(v.adminEmail);
  if (email) e.adminEmail = email;
  const password = newPassword(v.adminPassword);
  if (password) e.adminPassword = password;
  const cap = validateCap(v.subscriberCap);
  if (cap) e.subscriberCap = cap;
  return e;
}
