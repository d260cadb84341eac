import type { AdsThrottleError } from '@adnova/ads-throttle';
import type { ListPage } from '@adnova/core/admin/list-query';
import { AppError, notFound } from '@adnova/core/errors';
import { ADMIN } from '../context.ts';
import { type FormErrors, noErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';

/** What the three throttle admin pages (settings, overrides, events) share. */

export const PER_PAGE = 100;
export const SETTINGS = `${ADMIN}/throttle/settings/`;
export const OVERRIDES = `${ADMIN}/throttle/overrides/`;
export const EVENTS = `${ADMIN}/throttle/events/`;

/** Page number → offset for the library's lists; a non-number page is a clear 400. */
export function paging(page: number | undefined): { limit: number; offset: number; page: number } {
  const p = page ?? 1;
  if (!Number.isInteger(p) || p < 1) {
    throw new AppError('VALIDATION', 'The page number must be a positive integer.');
  }
  return { limit: PER_PAGE, offset: (p - 1) * PER_PAGE, page: p };
}

/** One page of a library list as the admin's change list shows it (the library does not sort). */
export function pageOf<T>(items: T[], total: number, page: number): ListPage<T> {
  return {
    rows: items,
    total,
    page,
    pages: Math.max(1, Math.ceil(total / PER_PAGE)),
    perPage: PER_PAGE,
    sort: '',
  };
}

export const shortHash = (hash: string): SafeHtml =>
  hash === '' ? html`—` : html`<code title="${hash}">${hash.slice(0, 12)}…</code>`;

/** The library's ids are bigints; anything else names nothing. */
export function throttleId(raw: string | undefined): string {
  if (raw === undefined || !/^\d{1,18}$/.test(raw)) throw notFound();
  return raw;
}

export const SETTINGS_FIELDS = [
  ['view_repeat_window_seconds', 'windowSeconds', 'settings.viewRepeatWindowSeconds', 1],
  ['view_repeat_threshold', 'threshold', 'settings.viewRepeatThreshold', 1],
  ['block_seconds', 'blockSeconds', 'settings.blockSeconds', 0],
  ['event_record_seconds', 'eventRecordSeconds', 'settings.eventRecordSeconds', 0],
] as const;

/** The library's override field names → the form's. */
export const OVERRIDE_FIELD_NAMES: Record<string, string> = {
  scope: 'scope',
  applyTo: 'apply_to',
  action: 'action',
  rawIp: 'raw_ip',
  viewerId: 'viewer_id',
  expiresAt: 'expires_at',
  userId: 'user',
};

/** The library's validation error as form errors, in the admin's language. */
export function throttleErrors(
  tr: Translator,
  error: AdsThrottleError,
  names: Record<string, string>,
): FormErrors {
  const errors = noErrors();
  for (const [field, message] of Object.entries(error.localizeFieldErrors(tr.locale))) {
    const name = names[field] ?? field;
    errors.fields[name] = [...(errors.fields[name] ?? []), message];
  }
  if (error.messageKey !== 'error.validationFailed') errors.nonField.push(error.localize(tr.locale));
  return errors;
}

/** The first crumb of every throttle page: the library's name. */
export const appCrumb = (tr: Translator) => ({ label: tr.tt('app.title') });
