import type { FastifyInstance } from 'fastify';
import type { Kit } from '../render.ts';
import { throttleEventsAdmin } from './throttle-events.admin.ts';
import { throttleOverridesAdmin } from './throttle-overrides.admin.ts';
import { throttleSettingsAdmin } from './throttle-settings.admin.ts';

/** ads-throttle administration (ads-throttle README, "Settings", "Overrides", "Events"): settings singleton, overrides, events. */
export async function throttleAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  await throttleSettingsAdmin(app, kit);
  await throttleOverridesAdmin(app, kit);
  await throttleEventsAdmin(app, kit);
}
