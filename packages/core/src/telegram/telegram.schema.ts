import { type Static, Type } from '@sinclair/typebox';
import { MAX_SAFE, Uuid } from '../shared/schema.ts';

/** A Telegram user id (positive; Telegram promises at most 52 significant bits). */
export const TelegramUserId = Type.Integer({
  minimum: 1,
  maximum: MAX_SAFE,
  description: "The Telegram account's user id (`from.id`).",
});

export const LinkCodeSchema = Type.Object(
  {
    code: Type.String({
      description:
        'One-time code to send to the Telegram bot (or `/start <code>`). Case, spaces and dashes do not matter; O reads as 0, I and L as 1.',
      examples: ['K3M9Q-7TBXA'],
    }),
    expires_at: Type.String({
      format: 'date-time',
      description: 'The code is refused from this instant on.',
    }),
  },
  { $id: 'LinkCode' },
);
export type LinkCode = Static<typeof LinkCodeSchema>;

export const CreateTelegramLinkBody = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'A link code as the advertiser typed it.',
    }),
    telegram_user_id: TelegramUserId,
  },
  { $id: 'TelegramLinkCreate' },
);
export type CreateTelegramLinkInput = Static<typeof CreateTelegramLinkBody>;

export const TelegramLinkSchema = Type.Object(
  {
    telegram_user_id: TelegramUserId,
    advertiser_id: Uuid(),
    advertiser_name: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'TelegramLink' },
);
export type TelegramLink = Static<typeof TelegramLinkSchema>;
