CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cloud_backups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"filename" text NOT NULL,
	"object_key" text NOT NULL,
	"size_bytes" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'pending_upload' NOT NULL,
	"kind" text DEFAULT 'manual' NOT NULL,
	"schema_version" integer NOT NULL,
	"key_id" text NOT NULL,
	"sha256" text,
	"pinned" boolean DEFAULT false NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"uploaded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "alerts_open_idx" ON "alerts" USING btree ("created_at") WHERE "alerts"."resolved_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "cloud_backups_object_key" ON "cloud_backups" USING btree ("object_key");--> statement-breakpoint
CREATE INDEX "cloud_backups_tenant_idx" ON "cloud_backups" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "cloud_backups_pending_idx" ON "cloud_backups" USING btree ("created_at") WHERE "cloud_backups"."status" = 'pending_upload';