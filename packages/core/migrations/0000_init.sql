CREATE TABLE "advertisers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "campaigns_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"advertiser_id" uuid NOT NULL,
	"impressions_limit" bigint NOT NULL,
	"clicks_limit" bigint NOT NULL,
	"cost_per_impression" numeric NOT NULL,
	"cost_per_click" numeric NOT NULL,
	"ad_title" text NOT NULL,
	"ad_text" text NOT NULL,
	"start_date" integer NOT NULL,
	"end_date" integer NOT NULL,
	"target_gender" text,
	"target_age_from" integer,
	"target_age_to" integer,
	"target_location" text,
	"ad_image_key" text,
	"impressions_count" bigint DEFAULT 0 NOT NULL,
	"clicks_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_limits" CHECK ("campaigns"."impressions_limit" >= 0 AND "campaigns"."clicks_limit" >= 0),
	CONSTRAINT "campaigns_costs" CHECK ("campaigns"."cost_per_impression" >= 0 AND "campaigns"."cost_per_click" >= 0),
	CONSTRAINT "campaigns_dates" CHECK ("campaigns"."start_date" >= 0 AND "campaigns"."start_date" <= "campaigns"."end_date")
);
--> statement-breakpoint
CREATE TABLE "clicks" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "clicks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"campaign_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"price" numeric NOT NULL,
	"date" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "clicks_client_campaign_uq" UNIQUE("client_id","campaign_id")
);
--> statement-breakpoint
CREATE TABLE "clients" (
	"id" uuid PRIMARY KEY NOT NULL,
	"login" text NOT NULL,
	"age" integer NOT NULL,
	"location" text NOT NULL,
	"gender" text NOT NULL,
	CONSTRAINT "clients_age_range" CHECK ("clients"."age" BETWEEN 0 AND 100),
	CONSTRAINT "clients_gender" CHECK ("clients"."gender" IN ('MALE', 'FEMALE'))
);
--> statement-breakpoint
CREATE TABLE "health_probes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "impressions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "impressions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"campaign_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"price" numeric NOT NULL,
	"date" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "impressions_client_campaign_uq" UNIQUE("client_id","campaign_id")
);
--> statement-breakpoint
CREATE TABLE "ml_scores" (
	"client_id" uuid NOT NULL,
	"advertiser_id" uuid NOT NULL,
	"score" integer NOT NULL,
	CONSTRAINT "ml_scores_client_id_advertiser_id_pk" PRIMARY KEY("client_id","advertiser_id"),
	CONSTRAINT "ml_scores_score_nonneg" CHECK ("ml_scores"."score" >= 0)
);
--> statement-breakpoint
CREATE TABLE "platform_clock" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"day" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "platform_clock_singleton" CHECK ("platform_clock"."id"),
	CONSTRAINT "platform_clock_day" CHECK ("platform_clock"."day" >= 0)
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_advertiser_id_advertisers_id_fk" FOREIGN KEY ("advertiser_id") REFERENCES "public"."advertisers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clicks" ADD CONSTRAINT "clicks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clicks" ADD CONSTRAINT "clicks_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impressions" ADD CONSTRAINT "impressions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impressions" ADD CONSTRAINT "impressions_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ml_scores" ADD CONSTRAINT "ml_scores_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ml_scores" ADD CONSTRAINT "ml_scores_advertiser_id_advertisers_id_fk" FOREIGN KEY ("advertiser_id") REFERENCES "public"."advertisers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaigns_advertiser_idx" ON "campaigns" USING btree ("advertiser_id","end_date","seq");--> statement-breakpoint
CREATE INDEX "campaigns_dates_idx" ON "campaigns" USING btree ("start_date","end_date");--> statement-breakpoint
CREATE INDEX "clicks_campaign_date_idx" ON "clicks" USING btree ("campaign_id","date");--> statement-breakpoint
CREATE INDEX "impressions_campaign_date_idx" ON "impressions" USING btree ("campaign_id","date");--> statement-breakpoint
CREATE INDEX "ml_scores_advertiser_idx" ON "ml_scores" USING btree ("advertiser_id");