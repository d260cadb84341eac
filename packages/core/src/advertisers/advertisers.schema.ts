import { type Static, Type } from '@sinclair/typebox';
import { MAX_BULK, NonEmptyString, refTo, Uuid } from '../shared/schema.ts';

export const AdvertiserSchema = Type.Object(
  {
    advertiser_id: Uuid('Chosen by the caller.'),
    name: NonEmptyString({ maxLength: 1000 }),
  },
  { $id: 'Advertiser' },
);
export type Advertiser = Static<typeof AdvertiserSchema>;

export const UpsertAdvertisersBody = Type.Array(refTo(AdvertiserSchema), {
  description:
    'Advertisers to create or replace; the last occurrence of a repeated id wins; at most 10,000 per request.',
  maxItems: MAX_BULK,
});
