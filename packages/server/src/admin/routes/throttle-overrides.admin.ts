import {
  describeOverride,
  isAdsThrottleError,
  type OverrideInput,
  type OverrideView,
  overrideFormInitial,
} from '@adnova/ads-throttle';
import { can } from '@adnova/core/admin/permissions';
import { getClientRecord } from '@adnova/core/admin/records';
import { AppError } from '@adnova/core/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminContext, flash, principalOf, requirePermission } from '../context.ts';
import { exists, readonlyField, sendDeletePage } from '../crud.ts';
import {
  asBody,
  datetimeValue,
  type FormBody,
  type FormErrors,
  type FormValues,
  formReader,
  noErrors,
  textValue,
  valuesOf,
} from '../forms.ts';
import { html } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { readListQuery } from '../list-params.ts';
import { csrfToken, type Kit, redirect, sendPage } from '../render.ts';
import {
  booleanIcon,
  changeForm,
  changeLink,
  changeList,
  type FieldSpec,
  formatTime,
} from '../views/widgets.ts';
import {
  appCrumb,
  OVERRIDE_FIELD_NAMES,
  OVERRIDES,
  pageOf,
  paging,
  shortHash,
  throttleErrors,
  throttleId,
} from './throttle.shared.ts';

/** The throttle's overrides (ads-throttle README, "Overrides"): list, add, change, delete. */
export async function throttleOverridesAdmin(app: FastifyInstance, kit: Kit): Promise<void> {
  const { deps } = kit;
  const throttle = deps.throttle;

  const targetLabel = (tr: Translator, rule: OverrideView) =>
    rule.viewerLabel ||
    (rule.userId ? `user:${rule.userId}` : '') ||
    (rule.ipAddressHash ? `${rule.ipAddressHash.slice(0, 12)}…` : tr.tt('display.allViewers'));

  app.get('/throttle/overrides/', async (request, reply) => {
    const principal = requirePermission(request, 'throttle_override', 'view');
    const { tr } = adminContext(request);
    const { params, current } = readListQuery(request.query, ['action', 'target', 'status']);
    const filters = params.filters ?? {};
    const checked = {
      action: filters.action === undefined || filters.action === 'block' || filters.action === 'show',
      target: filters.target === undefined || ['user', 'viewer', 'ip', 'all'].includes(filters.target),
      status: filters.status === undefined || filters.status === 'active' || filters.status === 'expired',
    };
    if (!checked.action || !checked.target || !checked.status) {
      throw new AppError('VALIDATION', 'Invalid filter value.');
    }
    const { limit, offset, page } = paging(params.page);
    if ((params.search?.length ?? 0) > 200)
      throw new AppError('VALIDATION', 'The search must be at most 200 characters long.');
    const found = await throttle.listOverrides({
      search: params.search,
      action: filters.action as 'block' | 'show' | undefined,
      target: filters.target as OverrideView['target'] | undefined,
      status: filters.status as 'active' | 'expired' | undefined,
      limit,
      offset,
    });
    return sendPage(request, reply, {
      title: tr.t(
        can(principal, 'throttle_override', 'change') ? 'list.selectToChange' : 'list.selectToView',
        { name: tr.tt('override.name') },
      ),
      breadcrumbs: [appCrumb(tr), { label: tr.tt('override.namePlural') }],
      content: html`${
        can(principal, 'throttle_override', 'add')
          ? html`<ul class="object-tools"><li><a href="${OVERRIDES}add/" class="addlink">${tr.t('action.addObject', { name: tr.tt('override.name') })}</a></li></ul>`
          : ''
      }
      ${changeList<OverrideView>({
        tr,
        basePath: OVERRIDES,
        query: current,
        page: pageOf(found.items, found.total, page),
        columns: [
          { label: tr.tt('field.scope'), cell: (r) => r.scope || tr.tt('display.all') },
          {
            label: tr.t('throttle.target'),
            cell: (r) => html`<span class="target-${r.target}">${targetLabel(tr, r)}</span>`,
          },
          { label: tr.tt('field.viewerId'), cell: (r) => r.viewerLabel || '—' },
          {
            label: tr.tt('field.user'),
            cell: (r) => (r.userId ? changeLink('clients', r.userId, r.userId) : '—'),
          },
          { label: tr.tt('field.ipAddressHash'), cell: (r) => shortHash(r.ipAddressHash) },
          { label: tr.tt('field.forceShow'), cell: (r) => booleanIcon(tr, r.action === 'show') },
          { label: tr.tt('field.forceBlock'), cell: (r) => booleanIcon(tr, r.action === 'block') },
          {
            label: tr.tt('override.status'),
            cell: (r) =>
              html`${r.active ? tr.tt('override.status.active') : tr.tt('override.status.expired')}${r.staleKey ? html` <span class="warning" title="${tr.tt('override.staleKey')}">⚠</span>` : ''}`,
          },
          { label: tr.tt('field.expiresAt'), cell: (r) => formatTime(r.expiresAt) },
          { label: tr.tt('field.createdAt'), cell: (r) => formatTime(r.createdAt) },
        ],
        link: (r) => `${OVERRIDES}${r.id}/change/`,
        filters: [
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
            choices: (['user', 'viewer', 'ip', 'all'] as const).map((v) => ({
              value: v,
              label: tr.tt(`override.applyTo.${v}`),
            })),
          },
          {
            name: 'status',
            label: tr.tt('override.status'),
            choices: [
              { value: 'active', label: tr.tt('override.status.active') },
              { value: 'expired', label: tr.tt('override.status.expired') },
            ],
          },
        ],
        searchHint: tr.t('throttle.overrideSearch'),
      })}`,
    });
  });

  const overrideFields = (
    tr: Translator,
    values: FormValues,
    rule: OverrideView | undefined,
  ): FieldSpec[] => {
    const fields: FieldSpec[] = [
      {
        kind: 'radios',
        name: 'apply_to',
        label: tr.tt('override.applyTo'),
        value: textValue(values, 'apply_to'),
        required: true,
        help: tr.tt('override.applyTo.help'),
        choices: (['user', 'viewer', 'ip', 'all'] as const).map((v) => ({
          value: v,
          label: tr.tt(`override.applyTo.${v}`),
        })),
      },
      {
        kind: 'radios',
        name: 'action',
        label: tr.tt('override.action'),
        value: textValue(values, 'action'),
        required: true,
        help: tr.tt('override.action.help'),
        choices: [
          { value: 'block', label: tr.tt('override.action.block') },
          { value: 'show', label: tr.tt('override.action.show') },
        ],
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
        value: textValue(values, 'raw_ip'),
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
    if (rule) {
      fields.push(
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
          display: html`${rule.active ? tr.tt('override.status.active') : tr.tt('override.status.expired')}${rule.staleKey ? html`<p class="errornote">${tr.tt('override.staleKey')}</p>` : ''}`,
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
      );
    }
    return fields;
  };

  const ruleValues = (rule: OverrideView | undefined): FormValues => {
    const initial = overrideFormInitial(rule);
    if (!rule) return { apply_to: initial.applyTo, action: initial.action };
    return {
      apply_to: initial.applyTo,
      action: initial.action,
      scope: rule.scope,
      user: rule.target === 'user' ? rule.userId : '',
      // Session keys are never stored (only a redacted label), so a viewer rule needs its id again.
      viewer_id: '',
      raw_ip: '',
      expires_at: datetimeValue(rule.expiresAt),
    };
  };

  const overridePage = (
    request: FastifyRequest,
    reply: FastifyReply,
    rule: OverrideView | undefined,
    values: FormValues,
    errors: FormErrors,
    status = 200,
  ) => {
    const { tr } = adminContext(request);
    const principal = principalOf(request);
    const changeable = rule === undefined || can(principal, 'throttle_override', 'change');
    const name = tr.tt('override.name');
    const title = rule
      ? tr.t(changeable ? 'action.changeObject' : 'action.viewObject', { name })
      : tr.t('action.addObject', { name });
    const fields = overrideFields(tr, values, rule);
    return sendPage(request, reply, {
      title,
      status,
      breadcrumbs: [
        appCrumb(tr),
        { label: tr.tt('override.namePlural'), href: OVERRIDES },
        { label: rule ? describeOverride(rule, tr.locale) : title },
      ],
      content: html`${rule ? html`<h2 class="object-name">${describeOverride(rule, tr.locale)}</h2>` : ''}
        ${changeForm({
          tr,
          id: 'override-form',
          action: rule ? `${OVERRIDES}${rule.id}/change/` : `${OVERRIDES}add/`,
          csrfToken: csrfToken(reply),
          errors,
          fieldsets: [{ fields: changeable ? fields : fields.map(readonlyField) }],
          submit: changeable ? { continueEditing: true } : undefined,
          deleteHref:
            rule && can(principal, 'throttle_override', 'delete')
              ? `${OVERRIDES}${rule.id}/delete/`
              : undefined,
        })}
        <p class="help">${tr.tt('override.keyRotationWarning')}</p>`,
    });
  };

  /** The form as the library's input; the client named as "user" must exist (it is the viewer of GET /ads). */
  const readOverride = async (tr: Translator, body: FormBody) => {
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
    const input: OverrideInput = { applyTo, action, scope, userId: user, viewerId, rawIp, expiresAt };
    return { form, input };
  };

  const saveOverride = async (
    request: FastifyRequest,
    reply: FastifyReply,
    rule: OverrideView | undefined,
  ) => {
    const { tr } = adminContext(request);
    const body = asBody(request.body);
    const { form, input } = await readOverride(tr, body);
    // The raw IP is never sent back to the browser, even on a rejected form.
    const redisplay = { ...valuesOf(body), raw_ip: '' };
    if (!form.ok()) return overridePage(request, reply, rule, redisplay, form.errors, 400);
    let saved: OverrideView;
    try {
      saved = rule ? await throttle.updateOverride(rule.id, input) : await throttle.createOverride(input);
    } catch (error) {
      if (!isAdsThrottleError(error) || error.code === 'ADS_THROTTLE_NOT_FOUND') throw error;
      return overridePage(
        request,
        reply,
        rule,
        redisplay,
        throttleErrors(tr, error, OVERRIDE_FIELD_NAMES),
        400,
      );
    }
    const name = tr.tt('override.name');
    flash(deps, reply, {
      level: 'success',
      text: tr.t(rule ? 'msg.changed' : 'msg.added', { name, object: describeOverride(saved, tr.locale) }),
    });
    return redirect(reply, body._continue !== undefined ? `${OVERRIDES}${saved.id}/change/` : OVERRIDES);
  };

  app.get('/throttle/overrides/add/', async (request, reply) => {
    requirePermission(request, 'throttle_override', 'add');
    return overridePage(request, reply, undefined, ruleValues(undefined), noErrors());
  });

  app.post('/throttle/overrides/add/', async (request, reply) => {
    requirePermission(request, 'throttle_override', 'add');
    return saveOverride(request, reply, undefined);
  });

  app.get<{ Params: { id: string } }>('/throttle/overrides/:id/change/', async (request, reply) => {
    requirePermission(request, 'throttle_override', 'view');
    const rule = await throttle.getOverride(throttleId(request.params.id));
    return overridePage(request, reply, rule, ruleValues(rule), noErrors());
  });

  app.post<{ Params: { id: string } }>('/throttle/overrides/:id/change/', async (request, reply) => {
    requirePermission(request, 'throttle_override', 'change');
    const rule = await throttle.getOverride(throttleId(request.params.id));
    return saveOverride(request, reply, rule);
  });

  app.get<{ Params: { id: string } }>('/throttle/overrides/:id/delete/', async (request, reply) => {
    requirePermission(request, 'throttle_override', 'delete');
    const { tr } = adminContext(request);
    const rule = await throttle.getOverride(throttleId(request.params.id));
    const described = describeOverride(rule, tr.locale);
    return sendDeletePage(request, reply, {
      crumbs: [
        appCrumb(tr),
        { label: tr.tt('override.namePlural'), href: OVERRIDES },
        { label: described, href: `${OVERRIDES}${rule.id}/change/` },
      ],
      action: `${OVERRIDES}${rule.id}/delete/`,
      question: tr.t('delete.question', { name: tr.tt('override.name'), object: described }),
      cancelHref: `${OVERRIDES}${rule.id}/change/`,
    });
  });

  app.post<{ Params: { id: string } }>('/throttle/overrides/:id/delete/', async (request, reply) => {
    requirePermission(request, 'throttle_override', 'delete');
    const { tr } = adminContext(request);
    const rule = await throttle.getOverride(throttleId(request.params.id));
    await throttle.deleteOverride(rule.id);
    flash(deps, reply, {
      level: 'success',
      text: tr.t('msg.deleted', { name: tr.tt('override.name'), object: describeOverride(rule, tr.locale) }),
    });
    return redirect(reply, OVERRIDES);
  });
}
