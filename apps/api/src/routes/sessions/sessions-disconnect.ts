import { unseal } from "@proxpanel/auth";
import { type DynamicAuthOptions, disconnectSession } from "@proxpanel/dynauth";
import { and, eq, isNull, sql } from "drizzle-orm";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import type { ServiceCtx } from "../../services/context.ts";

export interface DisconnectDeps {
  /** The tenant's key, to unseal the NAS's shared secret. */
  key: Buffer;
  options?: DynamicAuthOptions;
}

export interface DisconnectAnswer {
  sessionId: number;
  username: string;
  nasId: string;
  outcome: "ack";
  attempts: number;
}

/**
 * Sends an RFC 5176 Disconnect-Request for one open session to the NAS that carries it and waits for
 * the NAS's answer. The session row is left open: the NAS's Accounting-Stop closes it with the real
 * counters. No transaction is held while waiting on the router; the audit row records every attempt,
 * answered or not, because a lost ACK may still mean the router ended the session.
 */
export async function disconnectOpenSession(
  deps: DisconnectDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: number } },
): Promise<DisconnectAnswer> {
  const { t } = ctx.tenant;
  const r = t.radacct;
  const n = t.nasDevices;
  const [row] = await ctx.db
    .select({
      id: r.id,
      acctSessionId: r.acctSessionId,
      username: r.username,
      framedIp: sql<string | null>`host(${r.framedIpAddress})`,
      nasId: n.id,
      nasIp: sql<string>`host(${n.ipAddress})`,
      coaPort: n.coaPort,
      secretEnc: n.secretEnc,
    })
    .from(r)
    .leftJoin(n, eq(n.id, r.nasId))
    .where(
      and(
        eq(r.id, input.id),
        isNull(r.stopTime),
        ctx.actor.resellerId
          ? sql`${r.subscriberId} in (select ${t.subscribers.id} from ${t.subscribers} where ${t.subscribers.resellerId} = ${ctx.actor.resellerId})`
          : undefined,
      ),
    )
    .limit(1);
  if (!row) throw notFound("Session not found or already ended");
  if (!row.nasId || !row.secretEnc) {
    throw new AppError(
      409,
      ErrorCode.conflict,
      "This session's NAS is no longer registered, so it cannot be asked to end it",
    );
  }
  const target = {
    host: row.nasIp,
    port: row.coaPort ?? 3799,
    secret: unseal(deps.key, row.secretEnc, `nas:${row.nasId}`),
  };
  const answer = await disconnectSession(
    target,
    { username: row.username, acctSessionId: row.acctSessionId, framedIp: row.framedIp },
    deps.options,
  );
  const errorCause = answer.outcome === "nak" ? (answer.errorCause ?? null) : null;
  await writeAudit(ctx, {
    action: "session.disconnect",
    entityType: "session",
    entityId: String(row.id),
    details: {
      username: row.username,
      acctSessionId: row.acctSessionId,
      nasId: row.nasId,
      outcome: answer.outcome,
      attempts: answer.attempts,
      ...(errorCause === null ? {} : { errorCause }),
    },
  });
  const details = { outcome: answer.outcome, attempts: answer.attempts, nasId: row.nasId };
  switch (answer.outcome) {
    case "ack":
      return { sessionId: row.id, username: row.username, nasId: row.nasId, outcome: "ack", attempts: answer.attempts };
    case "nak":
      throw new AppError(
        502,
        ErrorCode.nasRejected,
        `The NAS refused to end the session${errorCause === null ? "" : ` (Error-Cause ${errorCause})`}`,
        { ...details, errorCause },
      );
    case "timeout":
      throw new AppError(
        504,
        ErrorCode.nasNoAnswer,
        `The NAS at ${row.nasIp}:${row.coaPort} did not answer the disconnect request (${answer.attempts} attempts)`,
        details,
      );
    case "error":
      throw new AppError(
        504,
        ErrorCode.nasNoAnswer,
        `The disconnect request could not be sent to the NAS at ${row.nasIp}:${row.coaPort}: ${answer.error.message}`,
        details,
      );
  }
}
