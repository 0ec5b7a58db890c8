import { type Db, type Executor, type MailKind, mailOutbox } from "@proxpanel/db";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import nodemailer, { type Transporter } from "nodemailer";

export interface OutgoingMail {
  kind: MailKind;
  to: string;
  subject: string;
  body: string;
  tenantId?: string | null;
}

/** Queues a mail in the caller's transaction: it exists exactly when what caused it committed. */
export async function enqueueMail(tx: Executor, mail: OutgoingMail): Promise<string> {
  const [row] = await tx
    .insert(mailOutbox)
    .values({ kind: mail.kind, to: mail.to, subject: mail.subject, body: mail.body, tenantId: mail.tenantId ?? null })
    .returning({ id: mailOutbox.id });
  if (!row) throw new Error("mail insert returned nothing");
  return row.id;
}

export function createMailTransport(smtpUrl: string): Transporter {
  // Bounded waits: a hung relay must not hold the delivery job for minutes.
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

/**
 * A reset mail carries a live sign-in secret; once it is sent or given up on, the stored copy is
 * replaced so the outbox (and the console that lists it) never keeps a usable link.
 */
export const REDACTED_BODY = "[removed after delivery: this message contained a one-time sign-in link]";
const secretBody = (kind: MailKind, terminal: boolean) =>
  kind === "password_reset" && terminal ? { body: REDACTED_BODY } : {};

export interface MailDeliveryDeps {
  db: Db;
  transport: Transporter;
  from: string;
  maxAttempts: number;
}

/** 1 min, 2, 4, … capped at 6 h: a relay outage of a day costs about a dozen attempts. */
export function backoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
}

// A claimed row is invisible to other workers for this long; a worker that dies mid-send hands
// the row back when it runs out.
const LEASE_MS = 5 * 60_000;

function smtpError(err: unknown): { message: string; permanent: boolean } {
  const e = err as { responseCode?: number; response?: string; message?: string };
  const code = typeof e.responseCode === "number" ? e.responseCode : null;
  // 5xx is the relay saying "never": retrying the same message cannot help.
  return {
    message: (e.response ?? e.message ?? String(err)).slice(0, 1000),
    permanent: code !== null && code >= 500 && code < 600,
  };
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Sends what is due. Rows are claimed with one UPDATE … SKIP LOCKED that pushes their next
 * attempt past the lease, so several workers never send one message twice and no transaction is
 * held open while talking SMTP.
 */
export async function deliverDueMail(
  deps: MailDeliveryDeps,
  // `to` restricts a pass to some recipients: the tests of one run share a single outbox.
  opts: { now?: Date; batch?: number; to?: string[] } = {},
) {
  // The database's clock stamped next_attempt_at on insert, so it also says what is due: this
  // host's clock, a millisecond behind it (or skewed), would leave a just-queued mail for a tick.
  const now = opts.now ?? (await databaseNow(deps.db));
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 };
  const due = deps.db
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(
      and(
        eq(mailOutbox.status, "queued"),
        lte(mailOutbox.nextAttemptAt, now),
        opts.to ? inArray(mailOutbox.to, opts.to) : undefined,
      ),
    )
    .orderBy(mailOutbox.nextAttemptAt)
    .limit(opts.batch ?? 20)
    .for("update", { skipLocked: true });
  const claimed = await deps.db
    .update(mailOutbox)
    .set({
      attempts: sql`${mailOutbox.attempts} + 1`,
      nextAttemptAt: new Date(now.getTime() + LEASE_MS),
      updatedAt: new Date(),
    })
    .where(inArray(mailOutbox.id, due))
    .returning();
  for (const mail of claimed) {
    try {
      await deps.transport.sendMail({ from: deps.from, to: mail.to, subject: mail.subject, text: mail.body });
      await deps.db
        .update(mailOutbox)
        .set({
          status: "sent",
          sentAt: new Date(),
          lastError: null,
          updatedAt: new Date(),
          ...secretBody(mail.kind, true),
        })
        .where(eq(mailOutbox.id, mail.id));
      report.sent += 1;
    } catch (err) {
      const e = smtpError(err);
      const giveUp = e.permanent || mail.attempts >= deps.maxAttempts;
      await deps.db
        .update(mailOutbox)
        .set({
          status: giveUp ? "failed" : "queued",
          ...secretBody(mail.kind, giveUp),
          lastError: e.message,
          nextAttemptAt: new Date(now.getTime() + backoffMs(mail.attempts)),
          updatedAt: new Date(),
        })
        .where(eq(mailOutbox.id, mail.id));
      if (giveUp) report.failed += 1;
      else report.retried += 1;
    }
  }
  return report;
}

async function databaseNow(db: Db): Promise<Date> {
  const [row] = await db.execute<{ now: string }>(sql`select now()::text as now`);
  return row ? new Date(row.now) : new Date();
}
