CREATE TABLE "approvals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"release_id" text NOT NULL,
	"principal" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"decided_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"model" text,
	"release_id" text,
	"event_key" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"sha256" text PRIMARY KEY NOT NULL,
	"source_path" text NOT NULL,
	"rows" integer NOT NULL,
	"bytes" integer NOT NULL,
	"profile" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"release_id" text NOT NULL,
	"status" text NOT NULL,
	"data_sha256" text NOT NULL,
	"model_sha256" text NOT NULL,
	"pipeline_sha256" text NOT NULL,
	"report_sha256" text,
	"card_markdown_sha256" text,
	"card_html_sha256" text,
	"metrics" jsonb NOT NULL,
	"lineage" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_model_version_pk" PRIMARY KEY("model","version")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"name" text PRIMARY KEY NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"policy" jsonb NOT NULL,
	"policy_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "production" (
	"model" text PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"release_id" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"requested_by" text NOT NULL,
	"data_sha256" text,
	"stage" text NOT NULL,
	"status" text NOT NULL,
	"version" integer,
	"reason" text,
	"policy_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production" ADD CONSTRAINT "production_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_release_principal_idx" ON "approvals" USING btree ("release_id","principal");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_key_idx" ON "audit_events" USING btree ("event_key");--> statement-breakpoint
CREATE INDEX "audit_events_release_idx" ON "audit_events" USING btree ("release_id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_release_idx" ON "model_versions" USING btree ("release_id");--> statement-breakpoint
CREATE INDEX "releases_model_idx" ON "releases" USING btree ("model");