CREATE TABLE "client_traffic" (
	"client_id" uuid NOT NULL,
	"day" integer NOT NULL,
	"requests" integer NOT NULL,
	CONSTRAINT "client_traffic_day_client_id_pk" PRIMARY KEY("day","client_id"),
	CONSTRAINT "client_traffic_requests" CHECK ("client_traffic"."requests" > 0)
);
--> statement-breakpoint
CREATE TABLE "selection_plan" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"day" integer DEFAULT 0 NOT NULL,
	"catalog_version" bigint DEFAULT 0 NOT NULL,
	"demand" double precision DEFAULT 0 NOT NULL,
	"solve_ms" double precision DEFAULT 0 NOT NULL,
	"planned_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_owner" uuid,
	"lease_until" timestamp with time zone,
	CONSTRAINT "selection_plan_singleton" CHECK ("selection_plan"."id")
);
--> statement-breakpoint
CREATE TABLE "selection_prices" (
	"campaign_id" uuid PRIMARY KEY NOT NULL,
	"impression_price" double precision NOT NULL,
	"click_price" double precision NOT NULL,
	"pace" double precision DEFAULT 1 NOT NULL,
	"planned_rate" double precision DEFAULT 0 NOT NULL,
	"day" integer DEFAULT 0 NOT NULL,
	"impressions_left" bigint DEFAULT 0 NOT NULL,
	"requests_today" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "client_traffic" ADD CONSTRAINT "client_traffic_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "selection_prices" ADD CONSTRAINT "selection_prices_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
INSERT INTO "selection_plan" ("id") VALUES (true) ON CONFLICT DO NOTHING;
