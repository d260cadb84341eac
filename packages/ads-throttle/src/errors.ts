import { type MessageKey, t } from './messages.ts';

/**
 * Stable error codes. Hosts may branch on them and map them to HTTP statuses; they never change meaning.
 */
export const AdsThrottleErrorCode = {
  /** Thrown by `loadThrottleConfig`, `resolveThrottleConfig` and `createAdsThrottle` when a value is invalid. */
  CONFIG_INVALID: 'ADS_THROTTLE_CONFIG_INVALID',
  /**
   * The counter store failed during a decision. Never thrown from `decide`/`shouldShowAds`: it is logged,
   * counted and the decision falls back to `onError`.
   */
  STORE_UNAVAILABLE: 'ADS_THROTTLE_STORE_UNAVAILABLE',
  /**
   * The database failed while resolving settings or overrides during a decision. Handled like
   * `STORE_UNAVAILABLE`: logged, counted, decision falls back to `onError`.
   */
  DATABASE_UNAVAILABLE: 'ADS_THROTTLE_DATABASE_UNAVAILABLE',
  /** An event write failed. Logged and counted only; it never changes a decision. */
  EVENT_WRITE_FAILED: 'ADS_THROTTLE_EVENT_WRITE_FAILED',
  /** Override input: the scope is neither empty nor starts with `/`. */
  SCOPE_INVALID: 'ADS_THROTTLE_SCOPE_INVALID',
  /** Override input: the action is missing or not `show`/`block`. */
  ACTION_INVALID: 'ADS_THROTTLE_ACTION_INVALID',
  /** Override input: `applyTo` is not one of `user`, `viewer`, `ip`, `all`. */
  APPLY_TO_INVALID: 'ADS_THROTTLE_APPLY_TO_INVALID',
  /** Override input: `applyTo = user` without a user id or viewer id. */
  USER_OR_VIEWER_REQUIRED: 'ADS_THROTTLE_USER_OR_VIEWER_REQUIRED',
  /** Override input: `applyTo = ip` without a (valid) raw IP and no hash already on the rule. */
  IP_REQUIRED: 'ADS_THROTTLE_IP_REQUIRED',
  /** Override input: the raw IP is not a valid IPv4 or IPv6 address (reported as a field error). */
  IP_INVALID: 'ADS_THROTTLE_IP_INVALID',
  /** Override input: the viewer id is not `user:<id>`/`session:<key>`, or is `anonymous`. */
  VIEWER_ID_INVALID: 'ADS_THROTTLE_VIEWER_ID_INVALID',
  /** Override input: `expiresAt` is not a valid date. */
  EXPIRES_AT_INVALID: 'ADS_THROTTLE_EXPIRES_AT_INVALID',
  /** `createSettings` when the singleton row already exists. */
  SETTINGS_EXISTS: 'ADS_THROTTLE_SETTINGS_EXISTS',
  /** Settings input: a value is not an integer within its range (T ≥ 1, W ≥ 1, B ≥ 0, E ≥ 0). */
  SETTINGS_INVALID: 'ADS_THROTTLE_SETTINGS_INVALID',
  /** `get*`, `update*` or `delete*` of an override or event id that does not exist. */
  NOT_FOUND: 'ADS_THROTTLE_NOT_FOUND',
  /** An admin action the actor may not perform (deleting events without being a superuser). */
  FORBIDDEN: 'ADS_THROTTLE_FORBIDDEN',
  /** A management function was called on a throttle created without a `query` function. */
  NO_DATABASE: 'ADS_THROTTLE_NO_DATABASE',
  /** The Express `shouldShowAds(req)` helper was called on a request the middleware has not seen. */
  MIDDLEWARE_MISSING: 'ADS_THROTTLE_MIDDLEWARE_MISSING',
} as const;

/** One of the stable error codes in `AdsThrottleErrorCode`. */
export type AdsThrottleErrorCode = (typeof AdsThrottleErrorCode)[keyof typeof AdsThrottleErrorCode];

const messageKeys: Readonly<Record<AdsThrottleErrorCode, MessageKey>> = {
  ADS_THROTTLE_CONFIG_INVALID: 'error.configInvalid',
  ADS_THROTTLE_STORE_UNAVAILABLE: 'error.storeUnavailable',
  ADS_THROTTLE_DATABASE_UNAVAILABLE: 'error.databaseUnavailable',
  ADS_THROTTLE_EVENT_WRITE_FAILED: 'error.eventWriteFailed',
  ADS_THROTTLE_SCOPE_INVALID: 'error.scopeInvalid',
  ADS_THROTTLE_ACTION_INVALID: 'error.actionRequired',
  ADS_THROTTLE_APPLY_TO_INVALID: 'error.invalidChoice',
  ADS_THROTTLE_USER_OR_VIEWER_REQUIRED: 'error.userOrViewerRequired',
  ADS_THROTTLE_IP_REQUIRED: 'error.ipRequired',
  ADS_THROTTLE_IP_INVALID: 'error.ipInvalid',
  ADS_THROTTLE_VIEWER_ID_INVALID: 'error.viewerIdInvalid',
  ADS_THROTTLE_EXPIRES_AT_INVALID: 'error.expiresAtInvalid',
  ADS_THROTTLE_SETTINGS_EXISTS: 'error.settingsExists',
  ADS_THROTTLE_SETTINGS_INVALID: 'error.settingsInvalid',
  ADS_THROTTLE_NOT_FOUND: 'error.notFound',
  ADS_THROTTLE_FORBIDDEN: 'error.forbidden',
  ADS_THROTTLE_NO_DATABASE: 'error.noDatabase',
  ADS_THROTTLE_MIDDLEWARE_MISSING: 'error.middlewareMissing',
};

/** A field-level problem in admin input, as a message id plus its parameters. */
export interface FieldError {
  key: MessageKey;
  params?: Record<string, unknown>;
}

/** Options of `AdsThrottleError`. */
export interface AdsThrottleErrorOptions {
  /** Message id for `t()`; defaults to the code's own message. */
  messageKey?: MessageKey;
  params?: Record<string, unknown>;
  /** Per-field problems (admin forms), keyed by input field name. */
  fieldErrors?: Record<string, FieldError>;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The only error class the library throws. `message` is English; use `error.localize(locale)` or
 * `t(locale, error.messageKey, error.params)` for the admin's language.
 */
export class AdsThrottleError extends Error {
  readonly code: AdsThrottleErrorCode;
  readonly messageKey: MessageKey;
  readonly params: Record<string, unknown>;
  readonly fieldErrors: Record<string, FieldError>;
  readonly details: Record<string, unknown>;

  constructor(code: AdsThrottleErrorCode, options: AdsThrottleErrorOptions = {}) {
    const messageKey = options.messageKey ?? messageKeys[code];
    const params = options.params ?? {};
    super(t('en', messageKey, params), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdsThrottleError';
    this.code = code;
    this.messageKey = messageKey;
    this.params = params;
    this.fieldErrors = options.fieldErrors ?? {};
    this.details = options.details ?? {};
  }

  /** The message in the given locale (`en` or `ru`; other locales fall back to English). */
  localize(locale: string | undefined): string {
    return t(locale, this.messageKey, this.params);
  }

  /** Field errors translated into the given locale, keyed by input field name. */
  localizeFieldErrors(locale: string | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [field, error] of Object.entries(this.fieldErrors))
      out[field] = t(locale, error.key, error.params);
    return out;
  }
}

/** True when `value` is an `AdsThrottleError`, optionally with the given code. */
export function isAdsThrottleError(value: unknown, code?: AdsThrottleErrorCode): value is AdsThrottleError {
  return value instanceof AdsThrottleError && (code === undefined || value.code === code);
}
