import { type Static, Type } from '@sinclair/typebox';
import { MAX_INT32, Uuid } from '../shared/schema.ts';

export const MlScoreSchema = Type.Object(
  {
    client_id: Uuid(),
    advertiser_id: Uuid(),
    score: Type.Integer({ minimum: 0, maximum: MAX_INT32, description: 'Larger is more relevant.' }),
  },
  { $id: 'MLScore' },
);
export type MlScore = Static<typeof MlScoreSchema>;
