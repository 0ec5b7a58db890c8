CREATE TABLE "backup_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"phase" text DEFAULT 'queued' NOT NULL,
	"table_name" text,
	"backup_id" uuid,
	"error" text,
	"owner_instance" uuid NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "backup_jobs_tenant_idx" ON "backup_jobs" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE INDEX "backup_jobs_open_idx" ON "backup_jobs" USING btree ("owner_instance") WHERE "backup_jobs"."status" in ('queued', 'running');