import { bigserial, index, jsonb, type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const auditLogsTable = (s: PgSchema) =>
  s.table(
    "audit_logs",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      actorUserId: uuid("actor_user_id"),
      // Set when the subscriber itself acted, through the self-care portal.
      actorSubscriberId: uuid("actor_subscriber_id"),
      actor: text("actor").notNull(),
      action: text("action").notNull(),
      entityType: text("entity_type").notNull(),
      entityId: text("entity_id"),
      details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
      ip: text("ip"),
      requestId: text("request_id"),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("audit_logs_created_idx").on(t.createdAt),
      index("audit_logs_entity_idx").on(t.entityType, t.entityId),
      index("audit_logs_actor_idx").on(t.actorUserId, t.createdAt),
    ],
  );
