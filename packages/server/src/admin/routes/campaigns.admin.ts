import { can } from '@adnova/core/admin/permissions';
import {
  type CampaignListRecord,
  type CampaignRecord,
  getCampaignRecord,
  listCampaignRecords,
} from '@adnova/core/admin/records';
import { deleteCampaignImage, MAX_IMAGE_BYTES, setCampaignImage } from '@adnova/core/campaigns/ad-image';
import {
  CAMPAIGN_BOUNDS as B,
  CAMPAIGN_FIELD_NAMES,
  CAMPAIGN_FIELDS,
  type CampaignField,
  type CampaignFieldDef,
  type FieldKind,
  MAX_LOCATION,
} from '@adnova/core/campaigns/campaign-rules';
import { deleteCampaign, updateCampaign } from '@adnova/core/campaigns/campaigns';
import type { TargetingInput, UpdateCampaignInput } from '@adnova/core/campaigns/campaigns.schema';
import { AppError } from '@adnova/core/errors';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ADMIN, adminContext, flash, principalOf, requirePermission } from '../context.ts';
import { type ModelAdmin, registerModelAdmin, saving } from '../crud.ts';
import { type FormBody, type FormValues, formReader, textValue } from '../forms.ts';
import { html } from '../html.ts';
import { en } from '../i18n/en.ts';
import type { MessageKey, Translator } from '../i18n/i18n.ts';
import { csrfToken, type Kit, redirect } from '../render.ts';
import { capitalize } from '../views/nav.ts';
import {
  booleanIcon,
  changeLink,
  type FieldSpec,
  type Fieldset,
  formatMoney,
  linkedFilter,
  yesNo,
} from '../views/widgets.ts';

const TARGETING_FIELDS = ['gender', 'age_from', 'age_to', 'location'] as const;
/** Every field of the form, for placing the domain's validation issues. */
const FIELDS = [...CAMPAIGN_FIELD_NAMES, ...TARGETING_FIELDS];
const TARGET_GENDERS = ['MALE', 'FEMALE', 'ALL'] as const;

function status(tr: Translator, startDate: number, endDate: number, today: number | undefined): string {
  if (today === undefined) return '';
  if (startDate > today) return tr.t('campaign.status.upcoming');
  return endDate < today ? tr.t('campaign.status.ended') : tr.t('campaign.status.active');
}

/**
 * A campaign field's label, `campaign.field.<name>` in the catalogues: a field without one is a
 * type error here. Its help text, `campaign.field.<name>.help`, is optional.
 */
const label = (tr: Translator, name: CampaignField) => tr.t(`campaign.field.${name}`);
function help(tr: Translator, name: CampaignField): string | undefined {
  const key = `campaign.field.${name}.help`;
  return Object.hasOwn(en, key) ? tr.t(key as MessageKey) : undefined;
}

/** The form's sections of the campaign's own fields, by kind, in the API's order within each. */
const SECTIONS: readonly { title: MessageKey; kinds: readonly FieldKind[] }[] = [
  { title: 'campaign.limitsAndDates', kinds: ['count', 'day'] },
  { title: 'campaign.prices', kinds: ['money'] },
  { title: 'campaign.ad', kinds: ['text'] },
];

/** One campaign field's input, from its rules (campaign-rules.ts); read-only once frozen. */
function fieldSpec(tr: Translator, name: CampaignField, values: FormValues, started: boolean): FieldSpec {
  const def: CampaignFieldDef = CAMPAIGN_FIELDS[name];
  const value = textValue(values, name);
  if (started && def.frozen) {
    return {
      kind: 'readonly',
      name,
      label: label(tr, name),
      display: value,
      help: tr.t('campaign.frozenField'),
    };
  }
  const helpText = help(tr, name);
  const common = {
    name,
    label: label(tr, name),
    value,
    required: !def.optional,
    ...(helpText !== undefined && { help: helpText }),
  };
  switch (def.kind) {
    case 'count':
    case 'day':
      return { kind: 'number', ...common, attrs: { min: def.min ?? 0, max: def.max ?? 0, step: 1 } };
    case 'money':
      return { kind: 'text', ...common, attrs: { inputmode: 'decimal' } };
    case 'text':
      return def.multiline
        ? { kind: 'textarea', ...common, rows: 5, maxLength: def.maxLength }
        : { kind: 'text', ...common, attrs: { maxlength: def.maxLength ?? 0, size: 60 } };
  }
}

function fieldsets(
  tr: Translator,
  _mode: string,
  values: FormValues,
  record: CampaignRecord | undefined,
): Fieldset[] {
  const started = record?.started ?? false;
  const campaign = record?.campaign;
  return [
    {
      fields: [
        { kind: 'readonly', name: 'campaign_id', label: tr.t('field.id'), display: campaign?.campaign_id },
        {
          kind: 'readonly',
          name: 'advertiser',
          label: tr.t('campaign.advertiser'),
          display: campaign ? changeLink('advertisers', campaign.advertiser_id, record?.advertiserName) : '',
        },
      ],
    },
    ...SECTIONS.map((section) => ({
      title: tr.t(section.title),
      fields: CAMPAIGN_FIELD_NAMES.filter((name) => section.kinds.includes(CAMPAIGN_FIELDS[name].kind)).map(
        (name) => fieldSpec(tr, name, values, started),
      ),
    })),
    {
      title: tr.t('campaign.targeting'),
      fields: [
        {
          kind: 'select',
          name: 'gender',
          label: tr.t('campaign.gender'),
          value: textValue(values, 'gender') ?? '',
          choices: [
            { value: '', label: tr.t('campaign.any') },
            ...TARGET_GENDERS.map((g) => ({ value: g, label: tr.t(`gender.${g}`) })),
          ],
        },
        {
          kind: 'number',
          name: 'age_from',
          label: tr.t('campaign.ageFrom'),
          value: textValue(values, 'age_from'),
          attrs: { ...B.age_from, step: 1 },
        },
        {
          kind: 'number',
          name: 'age_to',
          label: tr.t('campaign.ageTo'),
          value: textValue(values, 'age_to'),
          attrs: { ...B.age_to, step: 1 },
        },
        {
          kind: 'text',
          name: 'location',
          label: tr.t('campaign.location'),
          value: textValue(values, 'location'),
          help: tr.t('campaign.location.help'),
          attrs: { maxlength: MAX_LOCATION },
        },
      ],
    },
  ];
}

function valuesOf(record: CampaignRecord): FormValues {
  const c = record.campaign;
  const values: FormValues = {};
  for (const name of CAMPAIGN_FIELD_NAMES) values[name] = c[name] === null ? '' : String(c[name]);
  return {
    ...values,
    gender: c.targeting.gender ?? '',
    age_from: c.targeting.age_from === null ? '' : String(c.targeting.age_from),
    age_to: c.targeting.age_to === null ? '' : String(c.targeting.age_to),
    location: c.targeting.location ?? '',
  };
}

/** One campaign field of the submitted form; `undefined` keeps the stored value. */
function readField(tr: Translator, form: ReturnType<typeof formReader>, body: FormBody, name: CampaignField) {
  const def: CampaignFieldDef = CAMPAIGN_FIELDS[name];
  const required = !def.optional;
  switch (def.kind) {
    case 'count':
    case 'day': {
      const value = form.integer(name, { required, min: def.min, max: def.max });
      return value === null && required ? undefined : value;
    }
    case 'money': {
      const value = form.decimal(name, { required, min: def.min });
      return value === null && required ? undefined : value;
    }
    case 'text': {
      const value = form.text(name, { required, max: def.maxLength, keepSpaces: true });
      if (value.trim() !== '') return value;
      // An optional text left empty clears it; a required one is refused, also when absent.
      if (!required) return null;
      if (!form.errors.fields[name]) form.add(name, tr.t('form.required'));
      return body[name] === undefined ? undefined : value;
    }
  }
}

/**
 * The submitted form as the API's partial update. Frozen fields are sent only when the form has
 * them (it shows them read-only once the campaign started), so a forged change of one still meets
 * the domain's 403, exactly as `PUT` would.
 */
function readPatch(tr: Translator, body: FormBody) {
  const form = formReader(tr, body);
  const patch: Record<string, unknown> = {};
  for (const name of CAMPAIGN_FIELD_NAMES) {
    if ((CAMPAIGN_FIELDS[name] as CampaignFieldDef).frozen && body[name] === undefined) continue;
    const value = readField(tr, form, body, name);
    if (value !== undefined) patch[name] = value;
  }
  const targeting: TargetingInput = {
    gender: form.choice('gender', TARGET_GENDERS, { required: false }),
    age_from: form.integer('age_from', { required: false, ...B.age_from }),
    age_to: form.integer('age_to', { required: false, ...B.age_to }),
    // An empty location means "anywhere" (spec §7.4: saved as null).
    location: form.text('location', { required: false, max: MAX_LOCATION }) || null,
  };
  patch.targeting = Object.values(targeting).every((v) => v === null) ? null : targeting;
  return { form, patch: patch as UpdateCampaignInput };
}

export const campaignsModel: ModelAdmin<CampaignListRecord, CampaignRecord> = {
  resource: 'campaign',
  path: 'campaigns',
  one: 'res.campaign.one',
  many: 'res.campaign.many',
  idPattern: ':id',
  searchHint: (tr) => tr.t('campaign.search'),
  columns: (tr) => [
    { label: tr.t('campaign.field.ad_title'), sort: 'title', cell: (r) => r.adTitle },
    { label: tr.t('campaign.advertiser'), sort: 'advertiser', cell: (r) => r.advertiserName },
    { label: tr.t('campaign.field.start_date'), sort: 'start_date', cell: (r) => r.startDate, numeric: true },
    { label: tr.t('campaign.field.end_date'), sort: 'end_date', cell: (r) => r.endDate, numeric: true },
    {
      label: tr.t('campaign.impressions'),
      sort: 'impressions',
      cell: (r) => `${r.impressionsCount} / ${r.impressionsLimit}`,
      numeric: true,
    },
    {
      label: tr.t('campaign.clicks'),
      sort: 'clicks',
      cell: (r) => `${r.clicksCount} / ${r.clicksLimit}`,
      numeric: true,
    },
    {
      label: tr.t('campaign.field.cost_per_impression'),
      sort: 'cost_per_impression',
      cell: (r) => formatMoney(r.costPerImpression),
      numeric: true,
    },
    {
      label: tr.t('campaign.field.cost_per_click'),
      sort: 'cost_per_click',
      cell: (r) => formatMoney(r.costPerClick),
      numeric: true,
    },
    { label: tr.t('campaign.image'), cell: (r) => booleanIcon(tr, r.hasImage) },
  ],
  filterNames: ['advertiser', 'status', 'image', 'gender'],
  filters: (tr, current) => [
    ...linkedFilter('advertiser', tr.t('campaign.advertiser'), current),
    {
      name: 'status',
      label: tr.t('campaign.status'),
      choices: (['upcoming', 'active', 'ended'] as const).map((s) => ({
        value: s,
        label: tr.t(`campaign.status.${s}`),
      })),
    },
    { name: 'image', label: tr.t('campaign.image'), choices: yesNo(tr) },
    {
      name: 'gender',
      label: tr.t('campaign.gender'),
      choices: TARGET_GENDERS.map((g) => ({ value: g, label: tr.t(`gender.${g}`) })),
    },
  ],
  list: (deps, params) => listCampaignRecords(deps, params),
  rowKey: (row) => row.id,
  get: (deps, params) => getCampaignRecord(deps, params.id ?? ''),
  recordKey: (record) => record.campaign.campaign_id,
  describe: (record) => record.campaign.ad_title,
  values: valuesOf,
  fieldsets,
  async update(deps, tr, body, record) {
    const { form, patch } = readPatch(tr, body);
    if (!form.ok()) return { errors: form.errors };
    const c = record.campaign;
    return saving(tr, FIELDS, async () => {
      await updateCampaign(deps, c.advertiser_id, c.campaign_id, patch);
      return getCampaignRecord(deps, c.campaign_id);
    });
  },
  remove: (deps, record) => deleteCampaign(deps, record.campaign.advertiser_id, record.campaign.campaign_id),
  consequences: (tr, record) => [
    tr.t('delete.campaign', { impressions: record.impressionsCount, clicks: record.clicksCount }),
  ],
  intro(tr, record) {
    const c = record.campaign;
    return html`<p class="help">${tr.t('campaign.statusLine', {
      status: status(tr, c.start_date, c.end_date, record.currentDay),
      today: record.currentDay,
      impressions: record.impressionsCount,
      clicks: record.clicksCount,
    })}</p>
    ${record.started ? html`<p class="notice frozen-note">${tr.t('campaign.frozen', { start: c.start_date, today: record.currentDay })}</p>` : ''}`;
  },
  extra(tr, record, request, reply) {
    const principal = principalOf(request);
    const c = record.campaign;
    const changeable = can(principal, 'campaign', 'change');
    const token = csrfToken(reply);
    return html`<div class="module campaign-image" id="campaign-image">
      <h2>${tr.t('campaign.image')}</h2>
      ${
        record.imageUrl
          ? html`<p><a href="${record.imageUrl}" target="_blank" rel="noopener"><img src="${record.imageUrl}" alt="${c.ad_title}" class="image-preview"></a></p>`
          : html`<p>${tr.t('campaign.noImage')}</p>`
      }
      ${
        changeable
          ? html`<form method="post" action="${ADMIN}/campaigns/${c.campaign_id}/image/" enctype="multipart/form-data" class="image-upload">
              <input type="hidden" name="_csrf" value="${token}">
              <label for="id_ad_image">${tr.t('campaign.uploadImage')}:</label>
              <input type="file" name="ad_image" id="id_ad_image" accept="image/png,image/jpeg,image/gif,image/webp,image/tiff,image/avif" required>
              <input type="submit" value="${tr.t('campaign.upload')}">
              <div class="help">${tr.t('campaign.image.help')}</div>
            </form>
            ${
              record.imageUrl
                ? html`<form method="post" action="${ADMIN}/campaigns/${c.campaign_id}/image/delete/" class="inline">
                    <input type="hidden" name="_csrf" value="${token}">
                    <button type="submit" class="button danger">${tr.t('campaign.deleteImage')}</button>
                  </form>`
                : ''
            }`
          : ''
      }
    </div>
    <div class="module related-links">
      <h2>${tr.t('advertiser.related')}</h2>
      <ul>
        <li><a href="${ADMIN}/advertisers/${c.advertiser_id}/stats/?campaign=${c.campaign_id}">${tr.t('stats.link')}</a></li>
        <li><a href="${ADMIN}/impressions/?campaign=${c.campaign_id}">${capitalize(tr.t('res.impression.many'))} (${record.impressionsCount})</a></li>
        <li><a href="${ADMIN}/clicks/?campaign=${c.campaign_id}">${capitalize(tr.t('res.click.many'))} (${record.clicksCount})</a></li>
        <li><a href="${ADMIN}/reports/?q=${c.campaign_id}">${capitalize(tr.t('res.report.many'))}</a></li>
      </ul>
    </div>`;
  },
};

type Upload = { data: Buffer; truncated: boolean };
const uploads = new WeakMap<FastifyRequest, Upload>();

/**
 * The image upload form's body: its fields (the CSRF token among them) become `request.body`, and
 * the one `ad_image` file is kept aside, cut at 10 MiB (the domain then answers its own "too big"
 * message). Parsed before the CSRF check can read the token; anonymous requests are not parsed.
 */
async function parseUpload(request: FastifyRequest, bodyLimit: number): Promise<void> {
  if (!request.isMultipart() || !adminContext(request).session) return;
  if (Number(request.headers['content-length']) > bodyLimit) {
    throw new AppError('VALIDATION', 'The upload is too large.');
  }
  const fields: Record<string, string> = {};
  try {
    const parts = request.parts({
      limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 10, parts: 11, fieldSize: 4096 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        if (part.fieldname === 'ad_image' && !uploads.has(request))
          uploads.set(request, { data, truncated: part.file.truncated });
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 413) throw error;
    throw new AppError('VALIDATION', 'Malformed multipart/form-data body.');
  }
  request.body = fields;
}

/** Campaigns (spec §7.4): list, change (frozen fields read-only once started), delete, image. */
export async function campaignsAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  const { deps } = kit;
  registerModelAdmin(app, kit, campaignsModel);

  await app.register(async (scope) => {
    await scope.register(multipart, { throwFileSizeLimit: false });
    scope.addHook('preValidation', async (request) => parseUpload(request, deps.config.http.bodyLimit));
    scope.post<{ Params: { id: string } }>('/campaigns/:id/image/', async (request, reply) => {
      requirePermission(request, 'campaign', 'change');
      const { tr } = adminContext(request);
      const record = await getCampaignRecord(deps, request.params.id);
      const c = record.campaign;
      const upload = uploads.get(request);
      const back = `${ADMIN}/campaigns/${c.campaign_id}/change/`;
      if (!upload) {
        flash(deps, reply, { level: 'error', text: tr.t('campaign.imageMissing') });
        return redirect(reply, back);
      }
      try {
        await setCampaignImage(deps, c.advertiser_id, c.campaign_id, upload);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'VALIDATION') throw error;
        flash(deps, reply, { level: 'error', text: tr.domain(error.message) });
        return redirect(reply, back);
      }
      flash(deps, reply, { level: 'success', text: tr.t('msg.imageUploaded') });
      return redirect(reply, back);
    });
  });

  app.post<{ Params: { id: string } }>('/campaigns/:id/image/delete/', async (request, reply) => {
    requirePermission(request, 'campaign', 'change');
    const { tr } = adminContext(request);
    const record = await getCampaignRecord(deps, request.params.id);
    await deleteCampaignImage(deps, record.campaign.advertiser_id, record.campaign.campaign_id);
    flash(deps, reply, { level: 'success', text: tr.t('msg.imageDeleted') });
    return redirect(reply, `${ADMIN}/campaigns/${record.campaign.campaign_id}/change/`);
  });
}
