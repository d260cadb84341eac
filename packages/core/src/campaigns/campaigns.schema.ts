import { type Static, Type } from '@sinclair/typebox';
import { MAX_INT32, NonEmptyString, Nullable, refTo, Uuid } from '../shared/schema.ts';
import { CAMPAIGN_BOUNDS as B, MAX_AD_TEXT, MAX_LOCATION } from './campaign-rules.ts';

const Age = Type.Integer({ minimum: B.age_from.min, maximum: B.age_from.max });
const Day = Type.Integer({
  minimum: B.start_date.min,
  maximum: B.start_date.max,
  description: 'A simulated day number.',
});
const Limit = Type.Integer({ minimum: B.impressions_limit.min, maximum: B.impressions_limit.max });
const Cost = Type.Number({
  minimum: B.cost_per_impression.min,
  maximum: B.cost_per_impression.max,
  // The bot's generated client carries this description: change it with `npm run generate:api -w @adnova/bot`.
  description: 'Money, exact to 9 decimal places in statistics.',
});
const AdText = NonEmptyString({ maxLength: MAX_AD_TEXT });

export const TargetGenderSchema = Type.Union([
  Type.Literal('MALE'),
  Type.Literal('FEMALE'),
  Type.Literal('ALL'),
]);

export const TargetingInput = Type.Object(
  {
    gender: Type.Optional(Nullable(TargetGenderSchema)),
    age_from: Type.Optional(Nullable(Age)),
    age_to: Type.Optional(Nullable(Age)),
    location: Type.Optional(Nullable(NonEmptyString({ maxLength: MAX_LOCATION }))),
  },
  { description: 'Every property optional; absent or null means "anyone".' },
);
export type TargetingInput = Static<typeof TargetingInput>;

export const TargetingSchema = Type.Object(
  {
    gender: Nullable(TargetGenderSchema),
    age_from: Nullable(Age),
    age_to: Nullable(Age),
    location: Nullable(Type.String()),
  },
  { $id: 'Targeting' },
);
export type Targeting = Static<typeof TargetingSchema>;

const campaignFields = {
  impressions_limit: Limit,
  clicks_limit: Type.Integer({
    minimum: B.clicks_limit.min,
    maximum: B.clicks_limit.max,
    description:
      'At most impressions_limit. Once this many clicks are recorded the ad is no longer served (a campaign with 0 is never served).',
  }),
  cost_per_impression: Cost,
  cost_per_click: Cost,
  ad_title: AdText,
  ad_text: AdText,
  start_date: Day,
  end_date: Day,
};

export const CreateCampaignBody = Type.Object(
  { ...campaignFields, targeting: Type.Optional(Nullable(TargetingInput)) },
  { $id: 'CampaignCreate' },
);
export type CreateCampaignInput = Static<typeof CreateCampaignBody>;

export const UpdateCampaignBody = Type.Object(
  {
    impressions_limit: Type.Optional(Limit),
    clicks_limit: Type.Optional(campaignFields.clicks_limit),
    cost_per_impression: Type.Optional(Cost),
    cost_per_click: Type.Optional(Cost),
    ad_title: Type.Optional(AdText),
    ad_text: Type.Optional(AdText),
    start_date: Type.Optional(Day),
    end_date: Type.Optional(Day),
    targeting: Type.Optional(Nullable(TargetingInput)),
  },
  {
    $id: 'CampaignUpdate',
    description:
      'Partial update: absent properties keep their value; targeting null clears it, an object replaces it whole. impressions_limit, clicks_limit, start_date and end_date are frozen once the campaign has started (403 on a different value).',
  },
);
export type UpdateCampaignInput = Static<typeof UpdateCampaignBody>;

export const CampaignSchema = Type.Object(
  {
    campaign_id: Uuid(),
    advertiser_id: Uuid(),
    ...campaignFields,
    targeting: refTo(TargetingSchema),
    ad_image: Nullable(Type.String({ description: 'Absolute URL of the campaign image.' })),
  },
  { $id: 'Campaign' },
);
export type Campaign = Static<typeof CampaignSchema>;

export const ListCampaignsQuery = Type.Object({
  page: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_INT32, default: 1, description: '1-based page number.' }),
  ),
  size: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_INT32,
      default: 100,
      description: 'Page size; values above 1000 are clamped to 1000.',
    }),
  ),
});
