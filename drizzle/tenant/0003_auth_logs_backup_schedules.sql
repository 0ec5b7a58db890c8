CREATE TABLE "tenant_template"."auth_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"subscriber_id" uuid,
	"nas_id" uuid,
	"result" text NOT NULL,
	"reason" text,
	"method" text,
	"calling_station_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_template"."backup_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"frequency" text NOT NULL,
	"time_of_day" text DEFAULT '02:00' NOT NULL,
	"day_of_week" integer,
	"day_of_month" integer,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "auth_logs_created_idx" ON "tenant_template"."auth_logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "auth_logs_username_idx" ON "tenant_template"."auth_logs" USING btree ("username","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "backup_schedules_frequency_key" ON "tenant_template"."backup_schedules" USING btree ("frequency");