ALTER TABLE "prediction_log" ADD COLUMN "predicted_class" text;--> statement-breakpoint
ALTER TABLE "prediction_log" ADD COLUMN "probabilities" double precision[];