CREATE TABLE "tenant_template"."sms_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"provider" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"sender" text DEFAULT '' NOT NULL,
	"config_sealed" text NOT NULL,
	"public_info" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sms_settings_singleton_check" CHECK ("tenant_template"."sms_settings"."id" = 1)
);
--> statement-breakpoint
DROP INDEX "tenant_template"."notification_outbox_pending_idx";--> statement-breakpoint
ALTER TABLE "tenant_template"."notification_outbox" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."notification_outbox" ADD COLUMN "provider_message_id" text;--> statement-breakpoint
ALTER TABLE "tenant_template"."notification_outbox" ADD COLUMN "provider_status" text;--> statement-breakpoint
ALTER TABLE "tenant_template"."notification_outbox" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
ALTER TABLE "tenant_template"."notification_outbox" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "notify_email" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "notify_sms" boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE INDEX "notification_outbox_due_idx" ON "tenant_template"."notification_outbox" USING btree ("next_attempt_at") WHERE "tenant_template"."notification_outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "notification_outbox_subscriber_idx" ON "tenant_template"."notification_outbox" USING btree ("subscriber_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_outbox_dedupe_key" ON "tenant_template"."notification_outbox" USING btree ("subscriber_id","channel","dedupe_key") WHERE "tenant_template"."notification_outbox"."dedupe_key" is not null;