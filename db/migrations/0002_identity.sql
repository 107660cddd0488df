CREATE TABLE "access_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"principal" text,
	"role" text,
	"credential" text,
	"action" text NOT NULL,
	"resource" text NOT NULL,
	"model" text,
	"status" integer NOT NULL,
	"source" text NOT NULL,
	"method" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"principal" text NOT NULL,
	"role" text NOT NULL,
	"model" text,
	"secret_sha256" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	CONSTRAINT "api_tokens_role_check" CHECK ("role" in ('viewer', 'requester', 'approver', 'operator', 'auditor', 'admin'))
);
--> statement-breakpoint
CREATE INDEX "access_log_at_idx" ON "access_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "access_log_principal_idx" ON "access_log" USING btree ("principal");--> statement-breakpoint
CREATE INDEX "access_log_model_idx" ON "access_log" USING btree ("model");--> statement-breakpoint
CREATE INDEX "api_tokens_principal_idx" ON "api_tokens" USING btree ("principal");