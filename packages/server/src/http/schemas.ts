import { AdSchema } from '@adnova/core/ads/ads.schema';
import { AdvertiserSchema } from '@adnova/core/advertisers/advertisers.schema';
import {
  CampaignSchema,
  CreateCampaignBody,
  TargetingSchema,
  UpdateCampaignBody,
} from '@adnova/core/campaigns/campaigns.schema';
import { ClientSchema } from '@adnova/core/clients/clients.schema';
import { CurrentDateSchema } from '@adnova/core/clock/clock.schema';
import { GenerateAdTextBody, GenerationTaskSchema } from '@adnova/core/generation/generation.schema';
import { MlScoreSchema } from '@adnova/core/ml-scores/ml-scores.schema';
import { CreateReportBody, ReportAcceptedSchema } from '@adnova/core/reports/reports.schema';
import { ErrorSchema } from '@adnova/core/shared/schema';
import { DailyStatsSchema, StatsSchema } from '@adnova/core/stats/stats.schema';
import {
  CreateTelegramLinkBody,
  LinkCodeSchema,
  TelegramLinkSchema,
} from '@adnova/core/telegram/telegram.schema';

/**
 * Every named (`$id`) schema of the HTTP API, registered once on the root instance by `app.ts`;
 * routes refer to them with `refTo(...)` and the OpenAPI document lists them under components.
 * A new named schema is added here, never with `addSchema` inside a route plugin.
 */
export const API_SCHEMAS = [
  ErrorSchema,
  ClientSchema,
  AdvertiserSchema,
  MlScoreSchema,
  TargetingSchema,
  CreateCampaignBody,
  UpdateCampaignBody,
  CampaignSchema,
  AdSchema,
  StatsSchema,
  DailyStatsSchema,
  GenerateAdTextBody,
  GenerationTaskSchema,
  CreateReportBody,
  ReportAcceptedSchema,
  CurrentDateSchema,
  LinkCodeSchema,
  CreateTelegramLinkBody,
  TelegramLinkSchema,
] as const;
