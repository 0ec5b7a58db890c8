import { NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS, OUTBOX_STATUSES } from "@proxpanel/db/tenant/notifications";

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export { NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS, OUTBOX_STATUSES };

const COMMON = [
  "subscriber.username",
  "subscriber.full_name",
  "subscriber.email",
  "subscriber.phone",
  "subscriber.expires_at",
  "subscriber.balance",
  "plan.name",
  "plan.price",
  "company.name",
] as const;

/** Which variables each event can fill; a template using anything else is refused on save. */
export const EVENT_VARIABLES: Record<NotificationEvent, readonly string[]> = {
  expiry_reminder: [...COMMON, "days_left"],
  quota_warning: [...COMMON, "quota.percent", "quota.used", "quota.limit"],
  invoice: [...COMMON, "invoice.number", "invoice.amount", "invoice.due_at"],
  payment_received: [...COMMON, "payment.amount", "invoice.number"],
  suspension: [...COMMON, "suspension.reason"],
};

export const SUBJECT_MAX = 200;
export const BODY_MAX: Record<NotificationChannel, number> = { email: 10_000, sms: 1_000 };

// `{{ name }}` or `{{ group.name }}` and nothing else: no sections, partials, helpers or code.
const TAG = /\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}/g;

export interface TemplateIssue {
  path: string;
  message: string;
}

function checkText(path: string, text: string, allowed: readonly string[]): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  for (const [, name] of text.matchAll(TAG)) {
    if (name && !allowed.includes(name)) issues.push({ path, message: `Unknown variable {{${name}}}` });
  }
  const rest = text.replace(TAG, "");
  if (rest.includes("{{") || rest.includes("}}")) {
    issues.push({ path, message: "Malformed tag: write variables as {{group.name}}" });
  }
  return issues;
}

/** Every problem at once, in the `details` shape of a validation error. */
export function validateTemplate(t: {
  event: NotificationEvent;
  channel: NotificationChannel;
  subject: string;
  body: string;
}): TemplateIssue[] {
  const allowed = EVENT_VARIABLES[t.event];
  const issues = [...checkText("subject", t.subject, allowed), ...checkText("body", t.body, allowed)];
  if (t.channel === "email" && !t.subject.trim())
    issues.push({ path: "subject", message: "An e-mail needs a subject" });
  if (t.channel === "sms" && t.subject) issues.push({ path: "subject", message: "An SMS has no subject" });
  if (t.subject.length > SUBJECT_MAX) issues.push({ path: "subject", message: `At most ${SUBJECT_MAX} characters` });
  if (!t.body.trim()) issues.push({ path: "body", message: "Required" });
  if (t.body.length > BODY_MAX[t.channel]) {
    issues.push({ path: "body", message: `At most ${BODY_MAX[t.channel]} characters for ${t.channel}` });
  }
  return issues;
}

/**
 * Plain substitution. Both channels are plain text (the e-mail goes out as text/plain), so nothing
 * is escaped; an unknown or missing variable renders empty rather than leaking the tag.
 */
export function renderText(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(TAG, (_, name: string) => vars[name] ?? "");
}

/** Subjects are header values: a subscriber's name with a line break must not add headers. */
export const renderSubject = (text: string, vars: Readonly<Record<string, string>>) =>
  renderText(text, vars)
    .replace(/[\r\n]+/g, " ")
    .trim();

// ---- Values --------------------------------------------------------------------------------

export interface VariableSource {
  subscriber: {
    username: string;
    fullName: string;
    email: string | null;
    phone: string | null;
    expiresAt: Date | null;
    balanceCents: number;
  };
  plan: { name: string; priceCents: number } | null;
  companyName: string;
  timezone: string;
  now?: Date;
  data?: NotificationData | undefined;
}

/** Event-specific facts the caller knows (the invoice it just issued, the usage it measured). */
export interface NotificationData {
  invoice?: { number?: number | string; amountCents?: number; dueAt?: Date | string | null } | undefined;
  quota?: { percent?: number; usedBytes?: number; limitBytes?: number } | undefined;
  payment?: { amountCents?: number } | undefined;
  suspension?: { reason?: string } | undefined;
}

export const money = (cents: number) => (cents / 100).toFixed(2);

export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** "YYYY-MM-DD HH:mm" on the tenant's clock: subscribers read local dates, not UTC. */
export function formatDate(d: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export function buildVariables(src: VariableSource): Record<string, string> {
  const { subscriber: s, plan, data } = src;
  const now = src.now ?? new Date();
  const date = (d: Date | string | null | undefined) => (d ? formatDate(new Date(d), src.timezone) : "");
  const vars: Record<string, string> = {
    "subscriber.username": s.username,
    "subscriber.full_name": s.fullName,
    "subscriber.email": s.email ?? "",
    "subscriber.phone": s.phone ?? "",
    "subscriber.expires_at": date(s.expiresAt),
    "subscriber.balance": money(s.balanceCents),
    "plan.name": plan?.name ?? "",
    "plan.price": plan ? money(plan.priceCents) : "",
    "company.name": src.companyName,
    days_left: s.expiresAt ? String(Math.max(0, Math.ceil((s.expiresAt.getTime() - now.getTime()) / 86_400_000))) : "",
  };
  const inv = data?.invoice;
  if (inv) {
    vars["invoice.number"] = inv.number === undefined ? "" : String(inv.number);
    vars["invoice.amount"] = inv.amountCents === undefined ? "" : money(inv.amountCents);
    vars["invoice.due_at"] = date(inv.dueAt);
  }
  const q = data?.quota;
  if (q) {
    vars["quota.percent"] = q.percent === undefined ? "" : String(Math.round(q.percent));
    vars["quota.used"] = q.usedBytes === undefined ? "" : bytes(q.usedBytes);
    vars["quota.limit"] = q.limitBytes === undefined ? "" : bytes(q.limitBytes);
  }
  const p = data?.payment;
  if (p) vars["payment.amount"] = p.amountCents === undefined ? "" : money(p.amountCents);
  const sus = data?.suspension;
  if (sus) vars["suspension.reason"] = sus.reason ?? "";
  return vars;
}
