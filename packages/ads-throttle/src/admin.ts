import { AdsThrottleError, type AdsThrottleErrorCode, type FieldError } from './errors.ts';
import type { Hasher } from './hashing.ts';
import { canonicalizeIp, isValidIp } from './ip.ts';
import { type MessageKey, t } from './messages.ts';
import { isOverrideActive } from './override-rules.ts';
import {
  type EventRecord,
  MAX_SCOPE_LENGTH,
  type OverrideAction,
  type OverrideRecord,
  type OverrideRow,
  type OverrideTarget,
} from './throttle.repo.ts';

/** What the admin form submits for an override (behaviour §6.2, plus the port's `viewer` target). */
export interface OverrideInput {
  /** `user`, `viewer`, `ip` or `all`; anything else is a field error. */
  applyTo: string;
  /** `block` or `show`; anything else is a field error plus "Choose an action". */
  action: string;
  /** `''`/absent = site-wide; otherwise must start with `/`. Trimmed. */
  scope?: string | null;
  /** Host user id for `applyTo = user`. */
  userId?: string | number | null;
  /** `user:<id>` or `session:<key>` for `applyTo = user | viewer`. Never `anonymous`. */
  viewerId?: string | null;
  /** Raw IP for `applyTo = ip`; hashed, never stored. */
  rawIp?: string | null;
  /** `null`/absent = never expires. */
  expiresAt?: Date | string | null;
}

/** An override as the admin lists it. */
export interface OverrideView extends OverrideRecord {
  /** Active at the time of listing. */
  active: boolean;
  /** Hashed with an older secret: an `ip` or `viewer` rule that can no longer match. */
  staleKey: boolean;
}

const APPLY_TO: readonly string[] = ['user', 'viewer', 'ip', 'all'];
const ACTIONS: readonly string[] = ['block', 'show'];

/**
 * Display form of a viewer id for the admin: `user:<id>` as it is, session keys reduced to a short
 * fingerprint of their hash so the key itself is never stored (W22).
 */
export function viewerLabel(viewerId: string, viewerIdHash: string): string {
  return viewerId.startsWith('user:') ? viewerId : `session:…${viewerIdHash.slice(0, 8)}`;
}

/**
 * `user:<id>` or `session:<key>` with a non-empty id; `anonymous` is refused (W12, behaviour §12 case 58).
 */
export function isValidViewerId(viewerId: string): boolean {
  return /^(user|session):\S+$/.test(viewerId);
}

function parseExpiry(value: OverrideInput['expiresAt']): Date | null | 'invalid' {
  if (value === undefined || value === null || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? 'invalid' : date;
}

/**
 * Validates admin input the way the original form does (field errors first, then the first failing rule
 * wins) and turns it into the row to store. For an update, `existing` lets an `ip` rule keep its hash
 * when no new raw IP is given. The raw IP never leaves this function.
 *
 * @throws AdsThrottleError with the code of the first failing rule (`ADS_THROTTLE_SCOPE_INVALID`,
 *   `ADS_THROTTLE_ACTION_INVALID`, `ADS_THROTTLE_USER_OR_VIEWER_REQUIRED`, `ADS_THROTTLE_VIEWER_ID_INVALID`,
 *   `ADS_THROTTLE_IP_REQUIRED`), or of the first field error (`ADS_THROTTLE_APPLY_TO_INVALID`,
 *   `ADS_THROTTLE_IP_INVALID`, `ADS_THROTTLE_EXPIRES_AT_INVALID`); `fieldErrors` lists every field error.
 */
export function cleanOverrideInput(
  input: OverrideInput,
  existing: OverrideRecord | undefined,
  hasher: Hasher,
): OverrideRow {
  const fieldErrors: Record<string, FieldError> = {};
  const fieldCodes: AdsThrottleErrorCode[] = [];
  const fieldError = (
    field: string,
    code: AdsThrottleErrorCode,
    key: MessageKey,
    params?: Record<string, unknown>,
  ) => {
    fieldErrors[field] = params === undefined ? { key } : { key, params };
    fieldCodes.push(code);
  };

  const scope = (input.scope ?? '').trim();
  if (scope.length > MAX_SCOPE_LENGTH) {
    fieldError('scope', 'ADS_THROTTLE_SCOPE_INVALID', 'error.scopeTooLong', { max: MAX_SCOPE_LENGTH });
  }
  const applyTo = String(input.applyTo ?? '');
  if (!APPLY_TO.includes(applyTo)) {
    fieldError('applyTo', 'ADS_THROTTLE_APPLY_TO_INVALID', 'error.invalidChoice', { value: applyTo });
  }
  const action = String(input.action ?? '');
  if (action !== '' && !ACTIONS.includes(action)) {
    fieldError('action', 'ADS_THROTTLE_ACTION_INVALID', 'error.invalidChoice', { value: action });
  }
  let rawIp = (input.rawIp ?? '').trim();
  if (rawIp !== '' && !isValidIp(rawIp)) {
    fieldError('rawIp', 'ADS_THROTTLE_IP_INVALID', 'error.ipInvalid');
    rawIp = '';
  }
  const expiry = parseExpiry(input.expiresAt);
  if (expiry === 'invalid')
    fieldError('expiresAt', 'ADS_THROTTLE_EXPIRES_AT_INVALID', 'error.expiresAtInvalid');
  const expiresAt = expiry === 'invalid' ? null : expiry;

  const userId = input.userId === undefined || input.userId === null ? '' : String(input.userId).trim();
  const viewerId = (input.viewerId ?? '').trim();

  const fail = (code: AdsThrottleErrorCode, key: MessageKey): never => {
    throw new AdsThrottleError(code, { messageKey: key, fieldErrors, details: { nonFieldErrors: [key] } });
  };

  // The non-field rules, in the original's order; the first failure is the only one reported.
  if (scope !== '' && !scope.startsWith('/')) fail('ADS_THROTTLE_SCOPE_INVALID', 'error.scopeInvalid');
  if (!ACTIONS.includes(action)) fail('ADS_THROTTLE_ACTION_INVALID', 'error.actionRequired');

  let row: OverrideRow | undefined;
  const base = {
    scope,
    action: action as OverrideAction,
    hashKeyId: hasher.keyId,
    expiresAt,
  };
  const blank = { userId: '', viewerIdHash: '', viewerLabel: '', ipAddressHash: '' };

  if (applyTo === 'user' || applyTo === 'viewer') {
    if (applyTo === 'user' && userId !== '') {
      const id = `user:${userId}`;
      const hash = hasher.viewerId(id);
      row = { ...base, ...blank, target: 'user', userId, viewerIdHash: hash, viewerLabel: id };
    } else if (viewerId === '') {
      fail('ADS_THROTTLE_USER_OR_VIEWER_REQUIRED', 'error.userOrViewerRequired');
    } else if (!isValidViewerId(viewerId)) {
      fieldError('viewerId', 'ADS_THROTTLE_VIEWER_ID_INVALID', 'error.viewerIdInvalid');
      fail('ADS_THROTTLE_VIEWER_ID_INVALID', 'error.viewerIdInvalid');
    } else {
      const hash = hasher.viewerId(viewerId);
      // `user:<id>` typed as a viewer id is the same rule as a user rule, so it is stored as one.
      const target: OverrideTarget = viewerId.startsWith('user:') ? 'user' : 'viewer';
      row = {
        ...base,
        ...blank,
        target,
        userId: target === 'user' ? viewerId.slice('user:'.length) : '',
        viewerIdHash: hash,
        viewerLabel: viewerLabel(viewerId, hash),
      };
    }
  } else if (applyTo === 'ip') {
    const keptHash = existing?.target === 'ip' ? existing.ipAddressHash : '';
    if (rawIp === '' && keptHash === '') fail('ADS_THROTTLE_IP_REQUIRED', 'error.ipRequired');
    const ipAddressHash = rawIp === '' ? keptHash : hasher.ip(canonicalizeIp(rawIp));
    const hashKeyId = rawIp === '' && existing !== undefined ? existing.hashKeyId : hasher.keyId;
    row = { ...base, ...blank, target: 'ip', ipAddressHash, hashKeyId };
  } else if (applyTo === 'all') {
    row = { ...base, ...blank, target: 'all' };
  }

  const firstFieldCode = fieldCodes[0];
  if (firstFieldCode !== undefined || row === undefined) {
    throw new AdsThrottleError(firstFieldCode ?? 'ADS_THROTTLE_APPLY_TO_INVALID', {
      messageKey: 'error.validationFailed',
      fieldErrors,
      details: { nonFieldErrors: [] },
    });
  }
  return row;
}

/**
 * Initial form values (behaviour §6.2): a new rule starts as user + block; an existing one shows its own
 * target and action.
 */
export function overrideFormInitial(existing?: OverrideRecord): {
  applyTo: OverrideTarget;
  action: OverrideAction;
} {
  if (existing === undefined) return { applyTo: 'user', action: 'block' };
  return { applyTo: existing.target, action: existing.action };
}

/** Adds `active` and `staleKey` for the admin list. */
export function toOverrideView(rule: OverrideRecord, now: number, currentKeyId: string): OverrideView {
  const hashed = rule.target === 'ip' || rule.target === 'viewer';
  return {
    ...rule,
    active: isOverrideActive(rule, now),
    staleKey: hashed && rule.hashKeyId !== currentKeyId,
  };
}

/**
 * `Override for <target> (<scope>)`: the target is the viewer label, else the user id, else the IP hash,
 * else "all viewers"; the scope is the scope or "all scopes".
 */
export function describeOverride(rule: OverrideRecord, locale?: string): string {
  const target =
    rule.viewerLabel ||
    (rule.userId ? `user:${rule.userId}` : '') ||
    rule.ipAddressHash ||
    t(locale, 'display.allViewers');
  return t(locale, 'override.display', { target, scope: rule.scope || t(locale, 'display.allScopes') });
}

/** `Ads throttle event (<scope or "all scopes">)`. */
export function describeEvent(event: Pick<EventRecord, 'scope'>, locale?: string): string {
  return t(locale, 'event.display', { scope: event.scope || t(locale, 'display.allScopes') });
}

/** Someone acting in the admin. */
export interface AdminActor {
  isSuperuser?: boolean;
}

/** The events log is read-only; only superusers may delete (behaviour §6.3). */
export function eventAdminPermissions(actor: AdminActor): {
  view: true;
  add: false;
  change: false;
  delete: boolean;
} {
  return { view: true, add: false, change: false, delete: actor.isSuperuser === true };
}

/** The settings singleton may be added only while no row exists (behaviour §6.1). */
export function settingsAdminPermissions(rowExists: boolean): { add: boolean; change: true; delete: true } {
  return { add: !rowExists, change: true, delete: true };
}
