CREATE TABLE "advertiser_link_codes" (
	"code_hash" text PRIMARY KEY NOT NULL,
	"advertiser_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by_telegram_user_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telegram_links" (
	"telegram_user_id" bigint PRIMARY KEY NOT NULL,
	"advertiser_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telegram_links_user_id_positive" CHECK ("telegram_links"."telegram_user_id" > 0)
);
--> statement-breakpoint
ALTER TABLE "advertiser_link_codes" ADD CONSTRAINT "advertiser_link_codes_advertiser_id_advertisers_id_fk" FOREIGN KEY ("advertiser_id") REFERENCES "public"."advertisers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telegram_links" ADD CONSTRAINT "telegram_links_advertiser_id_advertisers_id_fk" FOREIGN KEY ("advertiser_id") REFERENCES "public"."advertisers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "advertiser_link_codes_advertiser_idx" ON "advertiser_link_codes" USING btree ("advertiser_id");--> statement-breakpoint
CREATE INDEX "advertiser_link_codes_expires_idx" ON "advertiser_link_codes" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "telegram_links_advertiser_idx" ON "telegram_links" USING btree ("advertiser_id");