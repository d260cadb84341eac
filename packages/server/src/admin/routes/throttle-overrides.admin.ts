import {
  describeOverride,
  isAdsThrottleError,
  type OverrideInput,
  type OverrideView,
  overrideFormInitial,
} from '@adnova/ads-throttle';
import { getClientRecord } from '@adnova/core/admin/records';
import type { Deps } from '@adnova/core/deps';
import { AppError } from '@adnova/core/errors';
import type { FastifyInstance } from 'fastify';
import { exists, type ModelAdmin, registerModelAdmin, type SaveResult } from '../crud.ts';
import { datetimeValue, type FormBody, type FormValues, formReader, textValue } from '../forms.ts';
import { html } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Kit } from '../render.ts';
import { booleanIcon, changeLink, type FieldSpec, formatTime } from '../views/widgets.ts';
import {
  appCrumb,
  OVERRIDE_FIELD_NAMES,
  pageOf,
  paging,
  shortHash,
  throttleErrors,
  throttleId,
} from './throttle.shared.ts';

const TARGETS = ['user', 'viewer', 'ip', 'all'] as const;
const ACTIONS = ['block', 'show'] as const;
const STATUSES = ['active', 'expired'] as const;

const isOneOf = <T extends string>(
  choices: readonly T[],
  value: string | undefined,
): value is T | undefined => value === undefined || (choices as readonly string[]).includes(value);

const statusLabel = (tr: Translator, rule: OverrideView) =>
  rule.active ? tr.tt('override.status.active') : tr.tt('override.status.expired');

const targetLabel = (tr: Translator, rule: OverrideView) =>
  rule.viewerLabel ||
  (rule.userId ? `user:${rule.userId}` : '') ||
  (rule.ipAddressHash ? `${rule.ipAddressHash.slice(0, 12)}…` : tr.tt('display.allViewers'));

function fields(tr: Translator, values: FormValues, rule: OverrideView | undefined): FieldSpec[] {
  const own: FieldSpec[] = [
    {
      kind: 'radios',
      name: 'apply_to',
      label: tr.tt('override.applyTo'),
      value: textValue(values, 'apply_to'),
      required: true,
      help: tr.tt('override.applyTo.help'),
      choices: TARGETS.map((v) => ({ value: v, label: tr.tt(`override.applyTo.${v}`) })),
    },
    {
      kind: 'radios',
      name: 'action',
      label: tr.tt('override.action'),
      value: textValue(values, 'action'),
      required: true,
      help: tr.tt('override.action.help'),
      choices: ACTIONS.map((v) => ({ value: v, label: tr.tt(`override.action.${v}`) })),
    },
    {
      kind: 'text',
      name: 'scope',
      label: tr.tt('field.scope'),
      value: textValue(values, 'scope'),
      help: tr.tt('override.scope.help'),
      attrs: { maxlength: 512, placeholder: '/ads' },
    },
    {
      kind: 'text',
      name: 'user',
      label: tr.tt('field.user'),
      value: textValue(values, 'user'),
      help: tr.t('throttle.user.help'),
      attrs: { maxlength: 36 },
    },
    {
      kind: 'text',
      name: 'viewer_id',
      label: tr.tt('field.viewerId'),
      value: textValue(values, 'viewer_id'),
      help: tr.tt('field.viewerId.help'),
      attrs: { maxlength: 255 },
    },
    {
      kind: 'text',
      name: 'raw_ip',
      label: tr.tt('override.rawIp'),
      // Never sent back to the browser, not even on a rejected form: only its hash is kept.
      value: '',
      help: tr.tt('override.rawIp.help'),
      attrs: { maxlength: 64, autocomplete: 'off' },
    },
    {
      kind: 'datetime-local',
      name: 'expires_at',
      label: tr.tt('field.expiresAt'),
      value: textValue(values, 'expires_at'),
      help: tr.t('throttle.expiresAt.help'),
    },
  ];
  if (!rule) return own;
  return [
    ...own,
    {
      kind: 'readonly',
      name: 'viewer_label',
      label: tr.tt('field.viewerId'),
      display: rule.viewerLabel || '—',
    },
    {
      kind: 'readonly',
      name: 'ip_address_hash',
      label: tr.tt('field.ipAddressHash'),
      display: rule.ipAddressHash ? html`<code>${rule.ipAddressHash}</code>` : '—',
      help: tr.tt('field.ipAddressHash.help'),
    },
    {
      kind: 'readonly',
      name: 'status',
      label: tr.tt('override.status'),
      display: html`${statusLabel(tr, rule)}${rule.staleKey ? html`<p class="errornote">${tr.tt('override.staleKey')}</p>` : ''}`,
    },
    {
      kind: 'readonly',
      name: 'created_at',
      label: tr.tt('field.createdAt'),
      display: formatTime(rule.createdAt),
    },
    {
      kind: 'readonly',
      name: 'updated_at',
      label: tr.tt('field.updatedAt'),
      display: formatTime(rule.updatedAt),
    },
  ];
}

/**
 * The form through the library: the saved rule, or its field errors in the admin's language. The
 * client named as "user" must exist (it is the viewer of GET /ads).
 */
async function saveOverride(
  deps: Pick<Deps, 'db'>,
  tr: Translator,
  body: FormBody,
  write: (input: OverrideInput) => Promise<OverrideView>,
): Promise<SaveResult<OverrideView>> {
  const form = formReader(tr, body);
  const applyTo = form.text('apply_to', { required: false, max: 20 });
  const action = form.text('action', { required: false, max: 20 });
  const scope = form.text('scope', { required: false, max: 512 });
  const viewerId = form.text('viewer_id', { required: false, max: 255 });
  const rawIp = form.text('raw_ip', { required: false, max: 64 });
  const expiresAt = form.datetime('expires_at');
  const user = applyTo === 'user' ? form.uuid('user', { required: false }) : null;
  if (user !== null && !(await exists(getClientRecord(deps, user)))) {
    form.add('user', tr.t('throttle.clientMissing'));
  }
  if (!form.ok()) return { errors: form.errors };
  try {
    return { record: await write({ applyTo, action, scope, userId: user, viewerId, rawIp, expiresAt }) };
  } catch (error) {
    if (!isAdsThrottleError(error) || error.code === 'ADS_THROTTLE_NOT_FOUND') throw error;
    return { errors: throttleErrors(tr, error, OVERRIDE_FIELD_NAMES) };
  }
}

export const overridesModel: ModelAdmin<OverrideView, OverrideView> = {
  resource: 'throttle_override',
  path: 'throttle/overrides',
  one: (tr) => tr.tt('override.name'),
  many: (tr) => tr.tt('override.namePlural'),
  parentCrumbs: (tr) => [appCrumb(tr)],
  idPattern: ':id',
  searchHint: (tr) => tr.t('throttle.overrideSearch'),
  columns: (tr) => [
    { label: tr.tt('field.scope'), cell: (r) => r.scope || tr.tt('display.all') },
    {
      label: tr.t('throttle.target'),
      cell: (r) => html`<span class="target-${r.target}">${targetLabel(tr, r)}</span>`,
    },
    { label: tr.tt('field.viewerId'), cell: (r) => r.viewerLabel || '—' },
    { label: tr.tt('field.user'), cell: (r) => (r.userId ? changeLink('clients', r.userId, r.userId) : '—') },
    { label: tr.tt('field.ipAddressHash'), cell: (r) => shortHash(r.ipAddressHash) },
    { label: tr.tt('field.forceShow'), cell: (r) => booleanIcon(tr, r.action === 'show') },
    { label: tr.tt('field.forceBlock'), cell: (r) => booleanIcon(tr, r.action === 'block') },
    {
      label: tr.tt('override.status'),
      cell: (r) =>
        html`${statusLabel(tr, r)}${r.staleKey ? html` <span class="warning" title="${tr.tt('override.staleKey')}">⚠</span>` : ''}`,
    },
    { label: tr.tt('field.expiresAt'), cell: (r) => formatTime(r.expiresAt) },
    { label: tr.tt('field.createdAt'), cell: (r) => formatTime(r.createdAt) },
  ],
  filterNames: ['action', 'target', 'status'],
  filters: (tr) => [
    {
      name: 'action',
      label: tr.tt('override.action'),
      choices: [
        { value: 'block', label: tr.tt('field.forceBlock') },
        { value: 'show', label: tr.tt('field.forceShow') },
      ],
    },
    {
      name: 'target',
      label: tr.tt('override.applyTo'),
      choices: TARGETS.map((v) => ({ value: v, label: tr.tt(`override.applyTo.${v}`) })),
    },
    {
      name: 'status',
      label: tr.tt('override.status'),
      choices: STATUSES.map((v) => ({ value: v, label: tr.tt(`override.status.${v}`) })),
    },
  ],
  // The rules live in the throttle's own tables, listed (and searched by hash) by the library.
  async list(deps, params) {
    const { action, target, status } = params.filters ?? {};
    if (!isOneOf(ACTIONS, action) || !isOneOf(TARGETS, target) || !isOneOf(STATUSES, status)) {
      throw new AppError('VALIDATION', 'Invalid filter value.');
    }
    const { limit, offset, page } = paging(params.page);
    if ((params.search?.length ?? 0) > 200)
      throw new AppError('VALIDATION', 'The search must be at most 200 characters long.');
    const found = await deps.throttle.listOverrides({
      search: params.search,
      action,
      target,
      status,
      limit,
      offset,
    });
    return pageOf(found.items, found.total, page);
  },
  rowKey: (rule) => rule.id,
  get: async (deps, params) => deps.throttle.getOverride(throttleId(params.id)),
  recordKey: (rule) => rule.id,
  describe: (rule, tr) => describeOverride(rule, tr.locale),
  initial() {
    const { applyTo, action } = overrideFormInitial();
    return { apply_to: applyTo, action };
  },
  values(rule) {
    const initial = overrideFormInitial(rule);
    return {
      apply_to: initial.applyTo,
      action: initial.action,
      scope: rule.scope,
      user: rule.target === 'user' ? rule.userId : '',
      // Session keys are never stored (only a redacted label), so a viewer rule needs its id again.
      viewer_id: '',
      expires_at: datetimeValue(rule.expiresAt),
    };
  },
  fieldsets: (tr, _mode, values, rule) => [{ fields: fields(tr, values, rule) }],
  // admin.js shows only the fields the chosen "apply to" uses, on the form with this id.
  formId: 'override-form',
  formNote: (tr) => html`<p class="help">${tr.tt('override.keyRotationWarning')}</p>`,
  create: (deps, tr, body) => saveOverride(deps, tr, body, (input) => deps.throttle.createOverride(input)),
  update: (deps, tr, body, rule) =>
    saveOverride(deps, tr, body, (input) => deps.throttle.updateOverride(rule.id, input)),
  remove: (deps, rule) => deps.throttle.deleteOverride(rule.id),
};

/** The throttle's overrides (ads-throttle README, "Overrides"): list, add, change, delete. */
export async function throttleOverridesAdmin(app: FastifyInstance, kit: Kit): Promise<void> {
  registerModelAdmin(app, kit, overridesModel);
}
