import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { DeliveryAdapter, OutboundMessage } from "./delivery.ts";

export interface SmtpAdapterOptions {
  /** nodemailer SMTP options or a connection URL (smtp://user:pass@host:587). */
  transport: SMTPTransport.Options | string;
  /** The From header, e.g. `"Acme ISP" <billing@acme.example>`. */
  from: string;
}

/** E-mail through any SMTP relay, as text/plain (templates are plain text, nothing is HTML). */
export function smtpAdapter(opts: SmtpAdapterOptions): DeliveryAdapter & { close(): void } {
  const transporter = nodemailer.createTransport(opts.transport);
  return {
    channel: "email",
    async send(msg: OutboundMessage) {
      await transporter.sendMail({
        from: opts.from,
        to: msg.to,
        subject: msg.subject,
        text: msg.body,
        headers: { "X-ProxPanel-Outbox-Id": String(msg.outboxId) },
      });
    },
    close: () => transporter.close(),
  };
}

/**
 * SMS adapter point. A gateway (Twilio, an SMPP bridge, a local GSM modem service) plugs in by
 * implementing `DeliveryAdapter` with `channel: "sms"`: `msg.to` is the subscriber's phone as
 * stored, `msg.body` the rendered text (subject is always empty); resolve once the gateway has
 * accepted the message, throw with a readable message otherwise (it becomes last_error and the
 * row is retried). This one only logs, for development and for tenants without a gateway.
 */
export function logSmsAdapter(log: (entry: { to: string; body: string; outboxId: number }) => void): DeliveryAdapter {
  return {
    channel: "sms",
    async send(msg: OutboundMessage) {
      log({ to: msg.to, body: msg.body, outboxId: msg.outboxId });
    },
  };
}
