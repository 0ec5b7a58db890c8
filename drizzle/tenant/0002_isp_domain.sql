CREATE TABLE "tenant_template"."invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigserial NOT NULL,
	"subscriber_id" uuid,
	"reseller_id" uuid,
	"amount_cents" bigint NOT NULL,
	"status" text DEFAULT 'unpaid' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"period_start" timestamp with time zone,
	"period_end" timestamp with time zone,
	"due_at" timestamp with time zone,
	"paid_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_amount_check" CHECK ("tenant_template"."invoices"."amount_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."ip_allocations" (
	"pool_id" uuid NOT NULL,
	"address" "inet" NOT NULL,
	"subscriber_id" uuid,
	"session_id" text,
	"allocated_at" timestamp with time zone,
	CONSTRAINT "ip_allocations_pool_id_address_pk" PRIMARY KEY("pool_id","address")
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."ip_pools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"cidr" "cidr" NOT NULL,
	"range_start" "inet" NOT NULL,
	"range_end" "inet" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."nas_devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"ip_address" "inet" NOT NULL,
	"identifier" text,
	"secret_enc" text NOT NULL,
	"type" text DEFAULT 'mikrotik' NOT NULL,
	"coa_port" integer DEFAULT 3799 NOT NULL,
	"require_message_authenticator" boolean DEFAULT true NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."notification_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"template_id" uuid,
	"subscriber_id" uuid,
	"event" text NOT NULL,
	"channel" text NOT NULL,
	"recipient" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."notification_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event" text NOT NULL,
	"channel" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"body" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."radacct" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"acct_session_id" text NOT NULL,
	"acct_unique_id" text NOT NULL,
	"username" text NOT NULL,
	"subscriber_id" uuid,
	"nas_id" uuid,
	"nas_ip_address" "inet" NOT NULL,
	"nas_port_id" text,
	"framed_ip_address" "inet",
	"calling_station_id" text,
	"start_time" timestamp with time zone NOT NULL,
	"update_time" timestamp with time zone,
	"stop_time" timestamp with time zone,
	"session_time" integer DEFAULT 0 NOT NULL,
	"input_octets" bigint DEFAULT 0 NOT NULL,
	"output_octets" bigint DEFAULT 0 NOT NULL,
	"terminate_cause" text
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."resellers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"user_id" uuid NOT NULL,
	"balance_cents" bigint DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."service_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"download_kbps" integer NOT NULL,
	"upload_kbps" integer NOT NULL,
	"burst_download_kbps" integer,
	"burst_upload_kbps" integer,
	"burst_threshold_pct" integer,
	"burst_time_s" integer,
	"quota_bytes" bigint,
	"quota_period" text DEFAULT 'none' NOT NULL,
	"fup_action" text DEFAULT 'throttle' NOT NULL,
	"fup_download_kbps" integer,
	"fup_upload_kbps" integer,
	"validity_days" integer DEFAULT 30 NOT NULL,
	"price_cents" bigint DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"ip_pool_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_plans_rates_check" CHECK ("tenant_template"."service_plans"."download_kbps" > 0 and "tenant_template"."service_plans"."upload_kbps" > 0),
	CONSTRAINT "service_plans_validity_check" CHECK ("tenant_template"."service_plans"."validity_days" > 0),
	CONSTRAINT "service_plans_price_check" CHECK ("tenant_template"."service_plans"."price_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."subscribers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" text NOT NULL,
	"password_enc" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"plan_id" uuid,
	"expires_at" timestamp with time zone,
	"static_ip" "inet",
	"ip_pool_id" uuid,
	"mac_address" text,
	"mac_lock_on_first_login" boolean DEFAULT false NOT NULL,
	"full_name" text DEFAULT '' NOT NULL,
	"email" text,
	"phone" text,
	"address" text,
	"notes" text DEFAULT '' NOT NULL,
	"balance_cents" bigint DEFAULT 0 NOT NULL,
	"reseller_id" uuid,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"usage_reset_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscribers_username_check" CHECK ("tenant_template"."subscribers"."username" ~ '^[A-Za-z0-9._@-]{1,64}$')
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."transactions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"subscriber_id" uuid,
	"reseller_id" uuid,
	"invoice_id" uuid,
	"amount_cents" bigint NOT NULL,
	"balance_after_cents" bigint NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"actor_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."wireguard_peers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"nas_id" uuid NOT NULL,
	"public_key" text NOT NULL,
	"private_key_enc" text NOT NULL,
	"address" "inet" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_key" ON "tenant_template"."invoices" USING btree ("number");--> statement-breakpoint
CREATE INDEX "invoices_subscriber_idx" ON "tenant_template"."invoices" USING btree ("subscriber_id","created_at");--> statement-breakpoint
CREATE INDEX "invoices_status_idx" ON "tenant_template"."invoices" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ip_allocations_address_key" ON "tenant_template"."ip_allocations" USING btree ("address");--> statement-breakpoint
CREATE INDEX "ip_allocations_free_idx" ON "tenant_template"."ip_allocations" USING btree ("pool_id","address") WHERE "tenant_template"."ip_allocations"."subscriber_id" is null;--> statement-breakpoint
CREATE INDEX "ip_allocations_subscriber_idx" ON "tenant_template"."ip_allocations" USING btree ("subscriber_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ip_pools_name_key" ON "tenant_template"."ip_pools" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "nas_devices_name_key" ON "tenant_template"."nas_devices" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "nas_devices_address_key" ON "tenant_template"."nas_devices" USING btree ("ip_address",coalesce("identifier", ''));--> statement-breakpoint
CREATE INDEX "notification_outbox_pending_idx" ON "tenant_template"."notification_outbox" USING btree ("created_at") WHERE "tenant_template"."notification_outbox"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "notification_templates_event_channel_key" ON "tenant_template"."notification_templates" USING btree ("event","channel");--> statement-breakpoint
CREATE UNIQUE INDEX "radacct_unique_key" ON "tenant_template"."radacct" USING btree ("acct_unique_id");--> statement-breakpoint
CREATE INDEX "radacct_open_idx" ON "tenant_template"."radacct" USING btree ("start_time") WHERE "tenant_template"."radacct"."stop_time" is null;--> statement-breakpoint
CREATE INDEX "radacct_subscriber_idx" ON "tenant_template"."radacct" USING btree ("subscriber_id","start_time");--> statement-breakpoint
CREATE INDEX "radacct_username_idx" ON "tenant_template"."radacct" USING btree ("username","start_time");--> statement-breakpoint
CREATE INDEX "radacct_nas_idx" ON "tenant_template"."radacct" USING btree ("nas_id");--> statement-breakpoint
CREATE UNIQUE INDEX "resellers_user_key" ON "tenant_template"."resellers" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "resellers_name_key" ON "tenant_template"."resellers" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "service_plans_name_key" ON "tenant_template"."service_plans" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_username_key" ON "tenant_template"."subscribers" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "subscribers_username_pattern_idx" ON "tenant_template"."subscribers" USING btree (lower("username") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "subscribers_status_idx" ON "tenant_template"."subscribers" USING btree ("status");--> statement-breakpoint
CREATE INDEX "subscribers_expires_idx" ON "tenant_template"."subscribers" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "subscribers_reseller_idx" ON "tenant_template"."subscribers" USING btree ("reseller_id");--> statement-breakpoint
CREATE INDEX "subscribers_plan_idx" ON "tenant_template"."subscribers" USING btree ("plan_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_static_ip_key" ON "tenant_template"."subscribers" USING btree ("static_ip");--> statement-breakpoint
CREATE INDEX "transactions_subscriber_idx" ON "tenant_template"."transactions" USING btree ("subscriber_id","created_at");--> statement-breakpoint
CREATE INDEX "transactions_reseller_idx" ON "tenant_template"."transactions" USING btree ("reseller_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "wireguard_peers_nas_key" ON "tenant_template"."wireguard_peers" USING btree ("nas_id");--> statement-breakpoint
CREATE UNIQUE INDEX "wireguard_peers_address_key" ON "tenant_template"."wireguard_peers" USING btree ("address");