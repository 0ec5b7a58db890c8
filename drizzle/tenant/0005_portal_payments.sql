CREATE TABLE "tenant_template"."online_payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text,
	"provider_txn_id" text,
	"callback_token" text NOT NULL,
	"subscriber_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"invoice_id" uuid,
	"plan_id" uuid,
	"amount_cents" bigint NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"failure_reason" text,
	"last_event_id" text,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "online_payments_amount_check" CHECK ("tenant_template"."online_payments"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."payment_providers" (
	"provider" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"config_sealed" text NOT NULL,
	"public_info" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenant_template"."audit_logs" ADD COLUMN "actor_subscriber_id" uuid;--> statement-breakpoint
ALTER TABLE "tenant_template"."subscribers" ADD COLUMN "portal_session_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "online_payments_provider_ref_key" ON "tenant_template"."online_payments" USING btree ("provider","provider_ref");--> statement-breakpoint
CREATE INDEX "online_payments_subscriber_idx" ON "tenant_template"."online_payments" USING btree ("subscriber_id","created_at");--> statement-breakpoint
CREATE INDEX "online_payments_pending_idx" ON "tenant_template"."online_payments" USING btree ("created_at") WHERE "tenant_template"."online_payments"."status" = 'pending';