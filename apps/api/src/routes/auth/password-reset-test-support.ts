import { createMailTransport, deliverDueMail } from "@proxpanel/mail";
import type { Stack } from "../../../../../tests/harness.ts";
import type { startSmtp } from "../../services/mail-test-smtp.ts";

type Smtp = Awaited<ReturnType<typeof startSmtp>>;

/** Delivers everything queued through the real SMTP server and returns the reset token mailed to `to`. */
export async function mailedResetToken(stack: Stack, smtp: Smtp, to: string): Promise<string> {
  await deliverDueMail(
    {
      db: stack.runtime.deps.db,
      transport: createMailTransport(smtp.url),
      from: "noreply@proxpanel.test",
      maxAttempts: 3,
    },
    { to: [to] },
  );
  const mail = smtp.inbox.filter((m) => m.to.includes(to) && m.subject === "Reset your ProxPanel password").at(-1);
  const token = mail && /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
  if (!token) throw new Error(`no reset mail for ${to}`);
  return token;
}
