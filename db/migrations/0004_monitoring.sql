CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"severity" text NOT NULL,
	"status" text NOT NULL,
	"summary" text NOT NULL,
	"opened_by" text NOT NULL,
	"commander" text,
	"version" integer,
	"links" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"resolution" text,
	CONSTRAINT "incidents_severity_check" CHECK ("severity" in ('SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5')),
	CONSTRAINT "incidents_status_check" CHECK ("status" in ('open', 'acknowledged', 'escalated', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "monitor_windows" (
	"model" text NOT NULL,
	"index" integer NOT NULL,
	"version" integer,
	"start" timestamp with time zone NOT NULL,
	"end" timestamp with time zone NOT NULL,
	"predictions" integer NOT NULL,
	"labelled" integer DEFAULT 0 NOT NULL,
	"result" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitor_windows_model_index_pk" PRIMARY KEY("model","index")
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitor_windows" ADD CONSTRAINT "monitor_windows_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incidents_model_idx" ON "incidents" USING btree ("model");--> statement-breakpoint
CREATE INDEX "monitor_windows_model_end_idx" ON "monitor_windows" USING btree ("model","end");