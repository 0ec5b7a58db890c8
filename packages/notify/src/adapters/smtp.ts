import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { type DeliveryAdapter, DeliveryError, type OutboundMessage } from "../delivery.ts";

export interface SmtpAdapterOptions {
  /** nodemailer SMTP options or a connection URL (smtp://user:pass@host:587). */
  transport: SMTPTransport.Options | string;
  /** The From header, e.g. `"Acme ISP" <billing@acme.example>`. */
  from: string;
}

/** E-mail through any SMTP relay, as text/plain (templates are plain text, nothing is HTML). */
export function smtpAdapter(
  opts: SmtpAdapterOptions,
): DeliveryAdapter & { close(): void; withFrom(from: string): DeliveryAdapter } {
  // Bounded waits: a hung relay must not hold a delivery pass (and its row lock) for minutes.
  const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };
  const transporter = nodemailer.createTransport(
    typeof opts.transport === "string" ? { url: opts.transport, ...timeouts } : { ...timeouts, ...opts.transport },
  );
  const sender = (from: string): DeliveryAdapter => ({
    channel: "email",
    async send(msg: OutboundMessage) {
      try {
        const info = await transporter.sendMail({
          from,
          to: msg.to,
          subject: msg.subject,
          text: msg.body,
          headers: { "X-ProxPanel-Outbox-Id": String(msg.outboxId) },
        });
        return { providerMessageId: info.messageId ?? null };
      } catch (err) {
        const e = err as { responseCode?: number; response?: string; message?: string };
        // A 5xx reply is the relay saying "never" (no such mailbox): retrying cannot help.
        const permanent = typeof e.responseCode === "number" && e.responseCode >= 500;
        throw new DeliveryError(e.response ?? e.message ?? String(err), permanent);
      }
    },
  });
  return {
    ...sender(opts.from),
    // One connection pool for every tenant; each tenant's mail carries its own display name.
    withFrom: sender,
    close: () => transporter.close(),
  };
}

/** `"Acme ISP" <no-reply@panel.example>`: the company's name on the relay's own address. */
export function fromWithName(mailFrom: string, name: string): string {
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  const clean = name.replace(/["\\\r\n<>]/g, "").trim();
  return clean ? `"${clean}" <${address}>` : mailFrom;
}

/** For tenants without a gateway and for development: the message is only logged. */
export function logSmsAdapter(log: (entry: { to: string; body: string; outboxId: number }) => void): DeliveryAdapter {
  return {
    channel: "sms",
    async send(msg: OutboundMessage) {
      log({ to: msg.to, body: msg.body, outboxId: msg.outboxId });
      return undefined;
    },
  };
}
