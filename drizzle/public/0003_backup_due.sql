CREATE TABLE "backup_due" (
	"tenant_id" uuid NOT NULL,
	"schedule_id" uuid NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "backup_due_tenant_id_schedule_id_pk" PRIMARY KEY("tenant_id","schedule_id")
);
--> statement-breakpoint
ALTER TABLE "cloud_backups" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "backup_due_due_at_idx" ON "backup_due" USING btree ("due_at");