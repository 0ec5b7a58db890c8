-- The dashboard's 15-minute table per reseller, so a reseller's chart is as cheap as the tenant's.
-- usage_15m is emptied so that both tables are filled again together on the next read.
CREATE TABLE "tenant_template"."usage_reseller_15m" (
	"reseller_id" uuid NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"sessions" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_reseller_15m_pkey" PRIMARY KEY("reseller_id","bucket")
);
--> statement-breakpoint
DELETE FROM "tenant_template"."usage_15m";
