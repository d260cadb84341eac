import { Type } from '@sinclair/typebox';
import { MAX_INT32 } from '../shared/schema.ts';

/** The simulated current day (spec §3.16): `POST /time/advance`'s body and both time routes' answer. */
export const CurrentDateSchema = Type.Object(
  { current_date: Type.Integer({ minimum: 0, maximum: MAX_INT32, description: 'The simulated day.' }) },
  { $id: 'CurrentDate' },
);
