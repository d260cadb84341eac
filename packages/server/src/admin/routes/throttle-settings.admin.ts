import { isAdsThrottleError } from '@adnova/ads-throttle';
import { can } from '@adnova/core/admin/permissions';
import { notFound } from '@adnova/core/errors';
import { MAX_INT32 } from '@adnova/core/shared/schema';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminContext, flash, principalOf, requirePermission } from '../context.ts';
import { readonlyField, sendDeletePage } from '../crud.ts';
import {
  asBody,
  type FormErrors,
  type FormValues,
  formReader,
  noErrors,
  textValue,
  valuesOf,
} from '../forms.ts';
import { html } from '../html.ts';
import { csrfToken, type Kit, redirect, sendPage } from '../render.ts';
import { changeForm, type FieldSpec, formatTime } from '../views/widgets.ts';
import { appCrumb, SETTINGS, SETTINGS_FIELDS } from './throttle.shared.ts';

/**
 * The throttle's settings singleton (ads-throttle README, "Settings"): view, change, delete back to
 * the configuration. Not a `ModelAdmin`: there is no list and no id, the one form is at the list's
 * URL and both creates and updates the row, and the page shows the configuration's values while no
 * row exists.
 */
export async function throttleSettingsAdmin(app: FastifyInstance, kit: Kit): Promise<void> {
  const { deps } = kit;
  const throttle = deps.throttle;

  const settingsPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    submitted: FormValues | undefined,
    errors: FormErrors,
    status = 200,
  ) => {
    const { tr } = adminContext(request);
    const principal = principalOf(request);
    const row = await throttle.findSettings();
    const effective = await throttle.getEffectiveSettings();
    const values: FormValues =
      submitted ??
      Object.fromEntries(
        SETTINGS_FIELDS.map(([name, key]) => [name, String((row ?? effective.values)[key])]),
      );
    const changeable = can(principal, 'throttle_settings', 'change');
    const fields: FieldSpec[] = SETTINGS_FIELDS.map(([name, , label, min]) => ({
      kind: 'number',
      name,
      label: tr.tt(label),
      value: textValue(values, name),
      required: true,
      help: tr.tt(`${label}.help`),
      attrs: { min, max: MAX_INT32, step: 1 },
    }));
    if (row) {
      fields.push({
        kind: 'readonly',
        name: 'updated_at',
        label: tr.tt('field.updatedAt'),
        display: formatTime(row.updatedAt),
      });
    }
    return sendPage(request, reply, {
      title: tr.tt('settings.display'),
      status,
      breadcrumbs: [appCrumb(tr), { label: tr.tt('settings.namePlural') }],
      content: html`${row ? '' : html`<p class="help notice">${tr.tt('settings.usingStatic')}</p>`}
        ${changeForm({
          tr,
          action: SETTINGS,
          csrfToken: csrfToken(reply),
          errors,
          fieldsets: [{ fields: changeable ? fields : fields.map(readonlyField) }],
          submit: changeable
            ? { label: row ? tr.t('action.save') : tr.t('throttle.createSettings') }
            : undefined,
          deleteHref: row && can(principal, 'throttle_settings', 'delete') ? `${SETTINGS}delete/` : undefined,
        })}
        <p class="help">${tr.t('throttle.settingsSource', {
          source:
            effective.source === 'database'
              ? tr.t('throttle.source.database')
              : tr.t('throttle.source.config'),
        })}</p>`,
    });
  };

  app.get('/throttle/settings/', async (request, reply) => {
    requirePermission(request, 'throttle_settings', 'view');
    return settingsPage(request, reply, undefined, noErrors());
  });

  app.post('/throttle/settings/', async (request, reply) => {
    requirePermission(request, 'throttle_settings', 'change');
    const { tr } = adminContext(request);
    const body = asBody(request.body);
    const form = formReader(tr, body);
    const values = Object.fromEntries(
      SETTINGS_FIELDS.map(([name, key, , min]) => [key, form.integer(name, { min, max: MAX_INT32 })]),
    );
    if (!form.ok()) return settingsPage(request, reply, valuesOf(body), form.errors, 400);
    try {
      await throttle.updateSettings(values as Record<string, number>);
    } catch (error) {
      if (!isAdsThrottleError(error, 'ADS_THROTTLE_SETTINGS_INVALID')) throw error;
      const errors = noErrors();
      for (const [name, key, label, min] of SETTINGS_FIELDS) {
        if (error.fieldErrors[key])
          errors.fields[name] = [tr.tt('error.settingsInvalid', { field: tr.tt(label), min })];
      }
      return settingsPage(request, reply, valuesOf(body), errors, 400);
    }
    flash(deps, reply, {
      level: 'success',
      text: tr.t('msg.changed', { name: tr.tt('settings.name'), object: tr.tt('settings.display') }),
    });
    return redirect(reply, SETTINGS);
  });

  app.get('/throttle/settings/delete/', async (request, reply) => {
    requirePermission(request, 'throttle_settings', 'delete');
    const { tr } = adminContext(request);
    if (!(await throttle.findSettings())) throw notFound();
    return sendDeletePage(request, reply, {
      crumbs: [appCrumb(tr), { label: tr.tt('settings.namePlural'), href: SETTINGS }],
      action: `${SETTINGS}delete/`,
      question: tr.t('delete.question', { name: tr.tt('settings.name'), object: tr.tt('settings.display') }),
      consequences: [tr.t('delete.throttleSettings')],
      cancelHref: SETTINGS,
    });
  });

  app.post('/throttle/settings/delete/', async (request, reply) => {
    requirePermission(request, 'throttle_settings', 'delete');
    const { tr } = adminContext(request);
    if (!(await throttle.deleteSettings())) throw notFound();
    flash(deps, reply, {
      level: 'success',
      text: tr.t('msg.deleted', { name: tr.tt('settings.name'), object: tr.tt('settings.display') }),
    });
    return redirect(reply, SETTINGS);
  });
}
