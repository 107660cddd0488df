CREATE TABLE "prediction_labels" (
	"prediction_id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"label" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prediction_log" (
	"id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"mode" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"latency_ms" real NOT NULL,
	"key_hash" text,
	"inputs" jsonb NOT NULL,
	"score" double precision,
	"error" text,
	"gateway" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"baseline_version" integer,
	"strategy" text NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"release_id" text,
	"reason" text,
	"analysis" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollouts_status_check" CHECK ("status" in ('running', 'completed', 'rolled-back', 'aborted', 'failed')),
	CONSTRAINT "rollouts_strategy_check" CHECK ("strategy" in ('canary', 'blue-green', 'shadow'))
);
--> statement-breakpoint
CREATE TABLE "route_generations" (
	"model" text PRIMARY KEY NOT NULL,
	"generation" bigint NOT NULL,
	"owner" text,
	"reason" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routes" (
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"weight" double precision NOT NULL,
	"mode" text NOT NULL,
	CONSTRAINT "routes_model_version_pk" PRIMARY KEY("model","version"),
	CONSTRAINT "routes_mode_check" CHECK ("mode" in ('serve', 'shadow'))
);
--> statement-breakpoint
ALTER TABLE "model_versions" DROP CONSTRAINT "model_versions_status_check";--> statement-breakpoint
ALTER TABLE "releases" DROP CONSTRAINT "releases_stage_check";--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "bad_reason" text;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "promoted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_generations" ADD CONSTRAINT "route_generations_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routes" ADD CONSTRAINT "routes_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prediction_log_model_at_idx" ON "prediction_log" USING btree ("model","at");--> statement-breakpoint
CREATE INDEX "prediction_log_version_at_idx" ON "prediction_log" USING btree ("model","version","at");--> statement-breakpoint
CREATE INDEX "prediction_log_key_idx" ON "prediction_log" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "rollouts_model_idx" ON "rollouts" USING btree ("model");--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_status_check" CHECK ("status" in ('candidate', 'production', 'retired', 'rejected', 'expired', 'failed', 'bad'));--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_stage_check" CHECK ("stage" in ('starting', 'validating', 'training', 'evaluating', 'registering', 'awaiting-approval', 'rolling-out', 'promoting', 'done'));