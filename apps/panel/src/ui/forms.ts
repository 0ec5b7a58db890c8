/** Small client-side checks run before a form is sent (the server validates again). */

export type Errors<K extends string> = Partial<Record<K, string>>;

export function required(value: string, label: string): string | undefined {
  return value.trim() ? undefined : `${label} is required.`;
}

export function intInRange(value: string, label: string, min: number, max: number): string | undefined {
  if (!/^\d+$/.test(value.trim())) return `${label} must be a whole number.`;
  const n = Number(value);
  return n < min || n > max ? `${label} must be between ${min} and ${max}.` : undefined;
}

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function emailAddress(value: string): string | undefined {
  return EMAIL_RE.test(value.trim()) ? undefined : "Enter a valid e-mail address.";
}

/** Passwords of people who sign in to a panel (admins, resellers, tenant owners): the API's minimum. */
export function newPassword(value: string): string | undefined {
  return value.length >= 10 ? undefined : "At least 10 characters.";
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
export function ipAddress(value: string, label: string): string | undefined {
  const v = value.trim();
  if (IPV4.test(v) || (v.includes(":") && /^[0-9a-fA-F:.]+$/.test(v))) return undefined;
  return `${label} must be an IPv4 or IPv6 address.`;
}

/** Money typed as "12.50" → 1250 cents; undefined when it is not a valid amount. */
export function toCents(value: string): number | undefined {
  const m = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

export function formatCents(cents: number): string {
  return (cents / 100).toFixed(2);
}

export function hasErrors<K extends string>(errors: Errors<K>): boolean {
  return Object.values(errors).some(Boolean);
}

/**
 * The server's word on each field, from a 400: the validator's issues (`details: [{ path, message }]`)
 * or a service's "field: message". Forms put these beside their fields; the banner keeps the whole.
 */
export function serverFieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof Error)) return out;
  const details = (err as { details?: unknown }).details;
  if (Array.isArray(details)) {
    for (const d of details) {
      const path = (d as { path?: unknown }).path;
      const message = (d as { message?: unknown }).message;
      if (typeof path === "string" && path && typeof message === "string") out[path.split(".")[0] ?? path] = message;
    }
  }
  const m = /^([A-Za-z][A-Za-z0-9]*): (.+)$/.exec(err.message);
  if (m?.[1] && m[2] && !out[m[1]]) out[m[1]] = m[2];
  return out;
}

/** "" → null, else a whole number (the caller has checked it). */
export const optionalInt = (v: string): number | null => (v.trim() ? Number(v.trim()) : null);

/** An optional whole number in range: undefined when empty or fine, else the message. */
export function optionalIntInRange(value: string, label: string, min: number, max: number): string | undefined {
  return value.trim() ? intInRange(value, label, min, max) : undefined;
}
