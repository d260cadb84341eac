import { gzipSync } from 'node:zlib';

/**
 * The request generator of the robustness suite (robustness.test.ts): a seeded PRNG, the odd
 * values worth sending, and one builder per public route that starts from a valid request and
 * breaks it. Everything random comes from the seed, so one seed always yields the same requests
 * (server-made ids aside).
 */

/** A seeded PRNG (sfc32): every choice of a run derives from one 32-bit seed. */
export type Rng = {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  uuid(): string;
};

export function createRng(seed: number): Rng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const int = (n: number) => Math.floor(next() * n);
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
  return {
    next,
    int,
    pick: <T>(items: readonly T[]) => items[int(items.length)] as T,
    chance: (p) => next() < p,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`,
  };
}

/** `FUZZ_SEED` when set (decimal or 0x hex), otherwise a fresh one; printed by the suite either way. */
export function fuzzSeed(raw: string | undefined): number {
  if (raw !== undefined && raw.trim() !== '') {
    const value = Number(raw.trim());
    if (!Number.isInteger(value)) throw new Error(`FUZZ_SEED must be an integer, got "${raw}"`);
    return value >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** A JSON literal written as is: numbers JSON.stringify cannot produce (`-0`, `1e400`, 30 digits). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold `RawJson` literals. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  // Lone surrogates come out as `\ud800` escapes (well-formed JSON.stringify), NUL as `\u0000`.
  return JSON.stringify(value) ?? 'null';
}

/** Characters PostgreSQL text cannot store, and their neighbours. */
export const BAD_CHARS = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\udfff\ud800',
  'a\u0000b',
  '\ud83d',
  '\ufffe',
  '\u202e',
];

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Values of every JSON type and edge, for any field. */
export const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  new RawJson('-0'),
  -1,
  0.5,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  5e-324,
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson('1e-400'),
  new RawJson('123456789012345678901234567890'),
  new RawJson('5.0'),
  new RawJson('1E2'),
  '',
  ' ',
  '0',
  '5',
  'true',
  'null',
  'MALE',
  'ALL',
  'male',
  ...BAD_CHARS,
  '😀',
  'x'.repeat(1001),
  'x'.repeat(10_001),
  [],
  [null],
  [1, 2, 3],
  {},
  { a: 1 },
  new RawJson('{"__proto__":{"polluted":true}}'),
  nested(64),
  '0c6a3d0e-7a41-4bb6-9a35-5e0b1c1f2f11',
];

/** Edges for a field that holds a number: the ones most likely to pass the schema and surprise the code. */
const NUMBER_EDGES: readonly unknown[] = [
  0,
  new RawJson('-0'),
  -1,
  0.1,
  1e-9,
  1e-10,
  5e-324,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 53 - 1,
  2 ** 53,
  1e15,
  1e21,
  1e308,
  new RawJson('1e400'),
  new RawJson('1e-400'),
  new RawJson('1.0'),
  new RawJson('1E+2'),
  new RawJson('0.30000000000000004'),
  new RawJson('123456789.123456789123'),
];

/** Path segments in place of an id, already percent-encoded (or deliberately broken). */
const ODD_IDS: readonly string[] = [
  '',
  'nope',
  '123',
  '-1',
  '0',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '%00',
  '%ED%A0%80',
  '%ED%BF%BF',
  '%F0%9F%98%80',
  '%',
  '%zz',
  '%C0%AE',
  '%2e%2e',
  '%2F',
  'a%2Fb',
  '%20',
  '+',
  ';x=1',
  'x'.repeat(5000),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '2147483648',
  '9007199254740993',
  '1e308',
  'NaN',
  'Infinity',
  '0x10',
];

/** The same id written the ways clients get it wrong (and the ways the spec allows). */
function oddForms(id: string): string[] {
  return [
    id.toUpperCase(),
    `%7B${id}%7D`,
    `urn:uuid:${id}`,
    id.replaceAll('-', ''),
    `${id}x`,
    id.slice(0, -1),
    `${id}%00`,
    `${id}%ED%A0%80`,
    `${id}/`,
    ` ${id}`.replace(' ', '%20'),
  ];
}

const ODD_NUMBERS_TEXT = [
  '',
  '-0',
  '-1',
  '0',
  '1.5',
  '1e3',
  '1e308',
  '2147483647',
  '2147483648',
  '9007199254740993',
  '99999999999999999999',
  '0x10',
  '%201',
  '+1',
  'Infinity',
  'NaN',
  'abc',
  '%00',
  '%ED%A0%80',
  '[]',
  '{}',
  'true',
];

/** A query value: an odd number, a broken escape, a bad character, or a long run. */
function oddQueryValue(rng: Rng, valid?: string): string {
  return rng.pick([
    () => rng.pick(ODD_NUMBERS_TEXT),
    () =>
      encodeURIComponent(rng.pick(BAD_CHARS).replace(/[\ud800-\udfff]/g, 'x')) +
      rng.pick(['%00', '%ED%A0%80', '%', '%zz', '%FF']),
    () => (valid ? `${valid}${rng.pick(['%00', '%ED%A0%80', '%ED%BF%BF', '%C0%80'])}` : '%00'),
    () => (valid ? valid.toUpperCase() : 'X'),
    () => 'x'.repeat(rng.pick([100, 3000, 6000])),
    () => rng.pick(ODD_IDS),
  ])();
}

/** A request before it is broken: what a correct client would send. */
export type BaseRequest = {
  route: string;
  method: string;
  /** Path segments, already encoded; `ids` marks which of them carry an id. */
  segments: string[];
  ids: number[];
  query: [string, string][];
  /** A JSON body, a multipart body, or none. */
  body?: { json: unknown } | { multipart: MultipartPart[] };
  headers: Record<string, string>;
};

export type MultipartPart = { name: string; filename?: string; contentType?: string; data: Uint8Array };

/** What goes over the wire (the fetch arguments), with a label naming the route and mutation. */
export type FuzzRequest = {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
};

/** Entities the valid requests point at, made by the suite before the run. */
export type FuzzWorld = {
  advertisers: string[];
  clients: string[];
  campaigns: { advertiserId: string; campaignId: string }[];
  taskIds: string[];
  telegramUserIds: number[];
  botToken: string;
  mediaKeys: string[];
  images: Uint8Array[];
};

const GENDERS = ['MALE', 'FEMALE'];

function clientBody(rng: Rng, world: FuzzWorld) {
  return {
    client_id: rng.chance(0.5) ? rng.pick(world.clients) : rng.uuid(),
    login: rng.pick(['ann', 'bob', 'Мария', 'x']),
    age: rng.int(101),
    location: rng.pick(['Moscow', 'Kazan', 'Tver']),
    gender: rng.pick(GENDERS),
  };
}

function campaignBody(rng: Rng, partial: boolean) {
  const impressions = rng.int(1000);
  const start = rng.int(50);
  const full: Record<string, unknown> = {
    impressions_limit: impressions,
    clicks_limit: rng.int(impressions + 1),
    cost_per_impression: rng.int(1000) / 100,
    cost_per_click: rng.int(1000) / 100,
    ad_title: rng.pick(['Sale', 'Новинка', 'Big deal']),
    ad_text: rng.pick(['Buy now', 'Скидки', 'Come in']),
    start_date: start,
    end_date: start + rng.int(100),
    targeting: rng.pick([
      null,
      {},
      { gender: rng.pick(['MALE', 'FEMALE', 'ALL']), age_from: 18, age_to: 65, location: 'Moscow' },
      { age_from: 20 },
    ]),
  };
  if (!partial) return full;
  return Object.fromEntries(Object.entries(full).filter(() => rng.chance(0.4)));
}

const seg = (...parts: string[]) => parts;

/** Every public route, each as a builder of one valid request. */
const ROUTES: ((rng: Rng, w: FuzzWorld) => BaseRequest)[] = [
  (rng, w) => ({
    route: 'POST /clients/bulk',
    method: 'POST',
    segments: seg('clients', 'bulk'),
    ids: [],
    query: [],
    body: { json: Array.from({ length: 1 + rng.int(3) }, () => clientBody(rng, w)) },
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /clients/{id}',
    method: 'GET',
    segments: seg('clients', rng.pick(w.clients)),
    ids: [1],
    query: [],
    headers: {},
  }),
  (rng, w) => ({
    route: 'POST /advertisers/bulk',
    method: 'POST',
    segments: seg('advertisers', 'bulk'),
    ids: [],
    query: [],
    body: {
      json: Array.from({ length: 1 + rng.int(3) }, () => ({
        advertiser_id: rng.chance(0.5) ? rng.pick(w.advertisers) : rng.uuid(),
        name: rng.pick(['Acme', 'Рога и копыта', 'A']),
      })),
    },
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /advertisers/{id}',
    method: 'GET',
    segments: seg('advertisers', rng.pick(w.advertisers)),
    ids: [1],
    query: [],
    headers: {},
  }),
  (rng, w) => ({
    route: 'POST /ml-scores',
    method: 'POST',
    segments: seg('ml-scores'),
    ids: [],
    query: [],
    body: {
      json: {
        client_id: rng.pick(w.clients),
        advertiser_id: rng.pick(w.advertisers),
        score: rng.int(10_000),
      },
    },
    headers: {},
  }),
  (rng, w) => ({
    route: 'POST /advertisers/{id}/campaigns',
    method: 'POST',
    segments: seg('advertisers', rng.pick(w.advertisers), 'campaigns'),
    ids: [1],
    query: [],
    body: { json: campaignBody(rng, false) },
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /advertisers/{id}/campaigns',
    method: 'GET',
    segments: seg('advertisers', rng.pick(w.advertisers), 'campaigns'),
    ids: [1],
    query: [
      ['page', String(1 + rng.int(3))],
      ['size', String(rng.int(20))],
    ],
    headers: {},
  }),
  (rng, w) => {
    const c = rng.pick(w.campaigns);
    return {
      route: 'GET /advertisers/{id}/campaigns/{id}',
      method: 'GET',
      segments: seg('advertisers', c.advertiserId, 'campaigns', c.campaignId),
      ids: [1, 3],
      query: [],
      headers: {},
    };
  },
  (rng, w) => {
    const c = rng.pick(w.campaigns);
    return {
      route: 'PUT /advertisers/{id}/campaigns/{id}',
      method: 'PUT',
      segments: seg('advertisers', c.advertiserId, 'campaigns', c.campaignId),
      ids: [1, 3],
      query: [],
      body: { json: campaignBody(rng, true) },
      headers: {},
    };
  },
  (rng, w) => {
    // Deleting the seeded campaigns would starve the rest of the run: only foreign or unknown ids.
    const c = rng.pick(w.campaigns);
    return {
      route: 'DELETE /advertisers/{id}/campaigns/{id}',
      method: 'DELETE',
      segments: seg(
        'advertisers',
        rng.chance(0.5) ? rng.pick(w.advertisers) : c.advertiserId,
        'campaigns',
        rng.uuid(),
      ),
      ids: [1, 3],
      query: [],
      headers: {},
    };
  },
  (rng, w) => {
    const c = rng.pick(w.campaigns);
    return {
      route: 'POST …/ad_image',
      method: 'POST',
      segments: seg('advertisers', c.advertiserId, 'campaigns', c.campaignId, 'ad_image'),
      ids: [1, 3],
      query: [],
      body: {
        multipart: [
          { name: 'ad_image', filename: 'a.png', contentType: 'image/png', data: rng.pick(w.images) },
        ],
      },
      headers: {},
    };
  },
  (rng, w) => {
    const c = rng.pick(w.campaigns);
    return {
      route: 'DELETE …/ad_image',
      method: 'DELETE',
      segments: seg('advertisers', c.advertiserId, 'campaigns', c.campaignId, 'ad_image'),
      ids: [1, 3],
      query: [],
      headers: {},
    };
  },
  (rng, w) => ({
    route: 'GET /ads',
    method: 'GET',
    segments: seg('ads'),
    ids: [],
    query: [['client_id', rng.pick(w.clients)]],
    headers: {},
  }),
  (rng, w) => ({
    route: 'POST /ads/{id}/click',
    method: 'POST',
    segments: seg('ads', rng.pick(w.campaigns).campaignId, 'click'),
    ids: [1],
    query: [],
    body: { json: { client_id: rng.pick(w.clients) } },
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /stats/campaigns/{id}',
    method: 'GET',
    segments: seg('stats', 'campaigns', rng.pick(w.campaigns).campaignId),
    ids: [2],
    query: [],
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /stats/campaigns/{id}/daily',
    method: 'GET',
    segments: seg('stats', 'campaigns', rng.pick(w.campaigns).campaignId, 'daily'),
    ids: [2],
    query: dayWindow(rng),
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /stats/advertisers/{id}[/campaigns]',
    method: 'GET',
    segments: rng.chance(0.5)
      ? seg('stats', 'advertisers', rng.pick(w.advertisers), 'campaigns')
      : seg('stats', 'advertisers', rng.pick(w.advertisers)),
    ids: [2],
    query: [],
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /stats/advertisers/{id}/[campaigns/]daily',
    method: 'GET',
    segments: rng.chance(0.5)
      ? seg('stats', 'advertisers', rng.pick(w.advertisers), 'campaigns', 'daily')
      : seg('stats', 'advertisers', rng.pick(w.advertisers), 'daily'),
    ids: [2],
    query: dayWindow(rng),
    headers: {},
  }),
  (rng) => ({
    route: 'POST /time/advance',
    method: 'POST',
    segments: seg('time', 'advance'),
    ids: [],
    // Small steps keep campaigns startable; huge days come from the mutations and the run's end.
    query: [],
    body: { json: { current_date: rng.int(3) } },
    headers: {},
  }),
  () => ({ route: 'GET /time', method: 'GET', segments: seg('time'), ids: [], query: [], headers: {} }),
  (rng) => ({
    route: 'POST /generate/ad_text',
    method: 'POST',
    segments: seg('generate', 'ad_text'),
    ids: [],
    query: [],
    body: { json: { advertiser_name: rng.pick(['Acme', 'Кофейня']), ad_title: rng.pick(['Sale', 'Кофе']) } },
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /generate/ad_text/{id}/result',
    method: 'GET',
    segments: seg('generate', 'ad_text', rng.chance(0.7) ? rng.pick(w.taskIds) : rng.uuid(), 'result'),
    ids: [2],
    query: [],
    headers: {},
  }),
  (rng, w) => ({
    route: 'POST /report/{id}',
    method: 'POST',
    segments: seg('report', rng.pick(w.campaigns).campaignId),
    ids: [1],
    query: [],
    body: { json: { client_id: rng.pick(w.clients), message: rng.pick([null, 'spam', 'Обман']) } },
    headers: {},
  }),
  (rng, w) => ({
    route: 'POST /advertisers/{id}/link_codes',
    method: 'POST',
    segments: seg('advertisers', rng.pick(w.advertisers), 'link_codes'),
    ids: [1],
    query: [],
    headers: {},
  }),
  (rng, w) => ({
    route: 'POST /telegram/links',
    method: 'POST',
    segments: seg('telegram', 'links'),
    ids: [],
    query: [],
    body: {
      json: {
        code: rng.pick(['K3M9Q-7TBXA', 'abc', '00000-00000', 'k3m9q 7tbxa']),
        telegram_user_id: rng.pick(w.telegramUserIds),
      },
    },
    headers: { 'x-bot-token': w.botToken },
  }),
  (rng, w) => ({
    route: 'GET|DELETE /telegram/links/{id}',
    method: rng.pick(['GET', 'GET', 'DELETE']),
    segments: seg(
      'telegram',
      'links',
      String(rng.chance(0.8) ? rng.pick(w.telegramUserIds) : 1 + rng.int(1e9)),
    ),
    ids: [2],
    query: [],
    headers: { 'x-bot-token': w.botToken },
  }),
  (rng) => ({
    route: 'GET /health',
    method: 'GET',
    segments: seg('health'),
    ids: [],
    query: rng.chance(0.5) ? [['format', 'json']] : [],
    headers: {},
  }),
  () => ({ route: 'GET /livez', method: 'GET', segments: seg('livez'), ids: [], query: [], headers: {} }),
  () => ({ route: 'GET /metrics', method: 'GET', segments: seg('metrics'), ids: [], query: [], headers: {} }),
  (rng) => ({
    route: 'GET /docs…',
    method: 'GET',
    segments: rng.pick([
      seg('docs'),
      seg('docs', 'openapi.json'),
      seg('openapi.json'),
      seg('docs', 'static', 'index.html'),
      seg('docs', 'json'),
    ]),
    ids: [],
    query: [],
    headers: {},
  }),
  (rng, w) => ({
    route: 'GET /media/{key}',
    method: 'GET',
    segments: seg('media', ...(rng.pick(w.mediaKeys) ?? 'campaigns/x/y.png').split('/')),
    ids: [3],
    query: [],
    headers: {},
  }),
];

function dayWindow(rng: Rng): [string, string][] {
  const from = rng.int(40);
  return rng.pick([
    [],
    [['from_day', String(from)]],
    [['to_day', String(from + rng.int(40))]],
    [
      ['from_day', String(from)],
      ['to_day', String(from + rng.int(4000))],
    ],
  ]);
}

/** Every value position (path from the root) of a JSON value. */
function positions(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) positions(v, [...path, i], out);
  } else if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) {
    for (const [k, v] of Object.entries(value)) positions(v, [...path, k], out);
  }
  out.push(path);
  return out;
}

/** A deep copy that keeps `RawJson` literals (structuredClone would turn them into plain objects). */
const clone = (value: unknown): unknown => {
  if (value instanceof RawJson || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
};

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
  const key = path[path.length - 1] as string | number;
  if (remove && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = value;
  return root;
}

/** Every string of the value, with bad characters inserted. */
function poisonStrings(rng: Rng, value: unknown): unknown {
  if (typeof value === 'string') {
    const bad = rng.pick(BAD_CHARS);
    return rng.pick([bad, `${value}${bad}`, `${bad}${value}`, `${value.slice(0, 1)}${bad}${value.slice(1)}`]);
  }
  if (Array.isArray(value)) return value.map((v) => poisonStrings(rng, v));
  if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisonStrings(rng, v)]));
  }
  return value;
}

/** Bodies JSON.parse refuses, or accepts with a surprise. */
function badJsonText(rng: Rng, valid: string): string {
  return rng.pick([
    () => valid.slice(0, rng.int(valid.length)),
    () => `${valid}${rng.pick(['x', ',', '}', ']', ' garbage', '\u0000', '{}'])}`,
    () => `\ufeff${valid}`,
    () => valid.replace(/"/g, "'"),
    () => valid.replace(/:/, ':,'),
    () => valid.replace(/\d/, 'NaN'),
    () => valid.replace(/\d/, 'Infinity'),
    () => valid.replace(/"([^"]*)"/, '"$1\u0000"'),
    () => valid.replace(/"([^"]*)"/, '"$1\\u0000"'),
    () => valid.replace(/"([^"]*)"/, '"$1\\ud800"'),
    () => valid.replace(/"([^"]*)"/, '"$1\\uDFFF"'),
    () => valid.replace(/"([^"]*)"/, '"$1\\x41"'),
    () => valid.replace(/"([^"]*)"/, '"$1\\u12"'),
    () => valid.replace(/\{/, '{"__proto__":{"x":1},'),
    () => valid.replace(/\{/, '{"constructor":{"prototype":{"x":1}},'),
    () => valid.replace(/\{/, '{/* c */'),
    () => valid.replace(/\{"(\w+)":/, '{"$1":1,"$1":'),
    () =>
      rng.pick([
        '',
        ' ',
        'null',
        '[]',
        '{}',
        '""',
        '0',
        '-0',
        'true',
        '"x"',
        '[',
        '{',
        ']',
        '}',
        '{"a":}',
        '[,]',
        '1e400',
        'nul',
        '\u0000',
      ]),
  ])();
}

/** Content types for a body: right, wrong, odd charsets and parameters. */
const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json;charset="utf-8"',
  'application/json; charset=latin1',
  'application/json; charset=utf-16le',
  'application/json; charset=bogus',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'application/json; boundary=x',
  'application/vnd.api+json',
  'application/jsonx',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'image/png',
  'application/octet-stream',
  '*/*',
  '',
];

const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'gzip, gzip', 'bogus', 'GZIP', 'x-gzip'];

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

function multipartBytes(rng: Rng, parts: MultipartPart[]): { body: Uint8Array; contentType: string } {
  const boundary = `----fuzz${rng.int(1e9)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) {
      head += `; filename="${part.filename}"\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}`;
    }
    chunks.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A broken variant of an image part: random bytes, a cut file, odd names and types. */
function oddImagePart(rng: Rng, world: FuzzWorld): MultipartPart[] {
  const image = Buffer.from(rng.pick(world.images));
  const bytes = rng.pick([
    () => image.subarray(0, rng.int(image.length)),
    () => Buffer.from(Array.from({ length: rng.int(2000) }, () => rng.int(256))),
    () => {
      const copy = Buffer.from(image);
      for (let i = 0; i < 4; i++) copy[rng.int(copy.length)] = rng.int(256);
      return copy;
    },
    () => Buffer.alloc(0),
    () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    () => image,
  ])();
  const name = rng.pick(['ad_image', 'ad_image', 'AD_IMAGE', '', 'ad_image\u0000', '__proto__']);
  const filename = rng.pick([
    'a.png',
    '',
    '../../etc/passwd',
    'a\u0000.png',
    'я.png',
    'x'.repeat(300),
    undefined,
  ]);
  const parts: MultipartPart[] = [
    { name, filename, contentType: rng.pick(['image/png', 'text/html', '', 'a/b/c']), data: bytes },
  ];
  if (rng.chance(0.2)) parts.push({ name: 'ad_image', filename: 'b.png', data: image });
  if (rng.chance(0.2)) parts.push({ name: 'note', data: Buffer.from(rng.pick(BAD_CHARS)) });
  return parts;
}

/** The huge bodies: a few per run, each within the body limit. */
function bigJson(rng: Rng, base: BaseRequest): string {
  return rng.pick([
    () => `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    () => `{"a":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`,
    () => `[${Array.from({ length: 10_001 }, () => '{}').join(',')}]`,
    () => `[${Array.from({ length: 200_000 }, () => '1').join(',')}]`,
    () => `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
    () => {
      const body = clone((base.body as { json: unknown } | undefined)?.json ?? {}) as unknown;
      const spots = positions(body).filter((p) => p.length > 0);
      return toJsonText(
        spots.length ? setAt(body, rng.pick(spots), 'x'.repeat(1_000_000)) : 'x'.repeat(1_000_000),
      );
    },
  ])();
}

/** Mutation names, in the label of every request. */
type Mutation =
  | 'valid'
  | 'field'
  | 'strings'
  | 'drop-field'
  | 'extra-fields'
  | 'top-level'
  | 'bad-json'
  | 'big'
  | 'content-type'
  | 'encoding'
  | 'headers'
  | 'path-id'
  | 'query'
  | 'method'
  | 'image';

/**
 * Request `index` of `total`: a valid request of a random route, broken by one or two mutations.
 * Big bodies are rare (a few per run) and huge simulated days only come near the end, so the run
 * keeps exercising campaigns that can still start.
 */
export function fuzzRequest(rng: Rng, world: FuzzWorld, index: number, total: number): FuzzRequest {
  const base = rng.pick(ROUTES)(rng, world);
  const mutations: Mutation[] = [];
  let jsonText: string | undefined;
  let multipart: MultipartPart[] | undefined;
  let json: unknown = base.body && 'json' in base.body ? clone(base.body.json) : undefined;
  if (base.body && 'multipart' in base.body) multipart = base.body.multipart;
  const headers: Record<string, string> = { ...base.headers };
  let method = base.method;
  const segments = [...base.segments];
  let query = [...base.query];
  let contentType: string | undefined;
  let encoding: string | undefined;

  const pickMutation = (): Mutation => {
    const roll = rng.next();
    if (roll < 0.0025) return 'big';
    if (roll < 0.08) return 'valid';
    if (json !== undefined || multipart !== undefined) {
      if (multipart !== undefined && roll < 0.3) return 'image';
      if (roll < 0.3) return 'field';
      if (roll < 0.42) return 'strings';
      if (roll < 0.47) return 'drop-field';
      if (roll < 0.52) return 'extra-fields';
      if (roll < 0.58) return 'top-level';
      if (roll < 0.66) return 'bad-json';
      if (roll < 0.72) return 'content-type';
      if (roll < 0.76) return 'encoding';
    }
    if (roll < 0.82) return 'headers';
    if (roll < 0.9 && base.ids.length > 0) return 'path-id';
    if (roll < 0.96) return 'query';
    return 'method';
  };

  const count = rng.chance(0.25) ? 2 : 1;
  for (let m = 0; m < count; m++) {
    const mutation = pickMutation();
    mutations.push(mutation);
    switch (mutation) {
      case 'valid':
        break;
      case 'field': {
        const spots = positions(json).filter((p) => p.length > 0);
        if (spots.length > 0) {
          const spot = rng.pick(spots);
          const current = spot.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], json);
          // Half the time an edge of the field's own type, which the schema may let through.
          const pool = typeof current === 'number' && rng.chance(0.5) ? NUMBER_EDGES : ODD_VALUES;
          json = setAt(json, spot, clone(rng.pick(pool)));
        }
        break;
      }
      case 'strings':
        json = poisonStrings(rng, json);
        query = query.map(([k, v]) => [k, `${v}${rng.pick(['%00', '%ED%A0%80', '%ED%BF%BF'])}`]);
        if (base.ids.length > 0) {
          const i = rng.pick(base.ids);
          segments[i] = `${segments[i]}${rng.pick(['%00', '%ED%A0%80', '%ED%BF%BF'])}`;
        }
        break;
      case 'drop-field': {
        const spots = positions(json).filter((p) => p.length > 0);
        if (spots.length > 0) json = setAt(json, rng.pick(spots), undefined, true);
        break;
      }
      case 'extra-fields': {
        const spots = positions(json).filter((p) => {
          const v = p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], json);
          return v !== null && typeof v === 'object' && !Array.isArray(v);
        });
        if (spots.length > 0) {
          const key = rng.pick([
            '__proto__',
            'constructor',
            'prototype',
            'x'.repeat(2000),
            '\u0000',
            '\ud800',
            '',
            'toString',
            'hasOwnProperty',
          ]);
          const target = rng.pick(spots);
          const text = toJsonText(json);
          // `__proto__` as a JSON key only survives as text: an object literal would make it a prototype.
          jsonText = text.replace(
            target.length === 0 ? /^\{/ : /\{/,
            `{${JSON.stringify(key)}:${toJsonText(rng.pick(ODD_VALUES))},`,
          );
        }
        break;
      }
      case 'top-level':
        json = clone(rng.pick(ODD_VALUES));
        break;
      case 'bad-json':
        jsonText = badJsonText(rng, toJsonText(json ?? {}));
        break;
      case 'big':
        jsonText = bigJson(rng, base);
        if (method === 'GET' || method === 'HEAD' || method === 'DELETE') method = 'POST';
        break;
      case 'content-type':
        contentType = rng.pick(CONTENT_TYPES) ?? '';
        break;
      case 'encoding':
        encoding = rng.pick(ENCODINGS);
        break;
      case 'headers':
        Object.assign(
          headers,
          rng.pick([
            {
              'correlation-id': rng.pick([
                'x',
                'x'.repeat(4000),
                '0C6A3D0E-7A41-4BB6-9A35-5E0B1C1F2F11',
                '%00',
                '',
              ]),
            },
            {
              accept: rng.pick([
                'text/html',
                'application/json',
                '*/*',
                'x/y;q=abc',
                'application/json, text/html',
                '',
              ]),
            },
            { 'x-bot-token': rng.pick(['', 'wrong', 'x'.repeat(5000), `${world.botToken} `]) },
            { 'x-forwarded-for': rng.pick(['garbage', '::1, 999.1.1.1', '1.2.3.4'.repeat(500)]) },
            { origin: rng.pick(['null', 'http://evil.test', 'x'.repeat(3000)]) },
            { 'accept-encoding': rng.pick(['bogus', 'gzip;q=abc', '*']) },
            { 'if-none-match': '*', 'if-modified-since': 'yesterday' },
            { range: rng.pick(['bytes=0-1', 'bytes=99999999-', 'bytes=abc']) },
            { 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-bot-token' },
            { 'x-http-method-override': 'DELETE' },
          ]),
        );
        break;
      case 'path-id': {
        const i = rng.pick(base.ids);
        const current = segments[i] ?? '';
        segments[i] = rng.chance(0.5) ? rng.pick(oddForms(current)) : rng.pick(ODD_IDS);
        if (rng.chance(0.1)) segments.push('');
        break;
      }
      case 'query': {
        const names = ['client_id', 'page', 'size', 'from_day', 'to_day', 'format', 'scope', 'x'];
        const name = query.length > 0 && rng.chance(0.7) ? (rng.pick(query)[0] as string) : rng.pick(names);
        const valid = query.find(([k]) => k === name)?.[1];
        query = rng.pick([
          () => [...query, [name, oddQueryValue(rng, valid)]],
          () => [...query.filter(([k]) => k !== name), [name, oddQueryValue(rng, valid)]],
          () => [...query, [`${name}[]`, valid ?? '1'], [`${name}[]`, '2']],
          () => [...query, [`${name}[0]`, valid ?? '1']],
          () => [...query, [`${name}[a]`, valid ?? '1']],
          () => [...query.filter(([k]) => k !== name), [name, '']],
          () => [...query, [name, '']],
          () => [...query, ['', 'v'], ['&&', ''], ['=', '=']],
          () => [...query, ...Array.from({ length: 1000 }, (_, i) => [name, String(i)] as [string, string])],
        ])() as [string, string][];
        break;
      }
      case 'method':
        method = rng.pick(METHODS.filter((m) => m !== base.method));
        if (rng.chance(0.3)) headers['x-http-method-override'] = base.method;
        break;
      case 'image':
        multipart = oddImagePart(rng, world);
        break;
    }
  }

  // Near the end only: the simulated clock jumps to the largest days (then stays there).
  if (base.route === 'POST /time/advance' && index > total * 0.9 && rng.chance(0.3)) {
    json = { current_date: rng.pick([2 ** 31 - 1, 2 ** 31 - 2, 1_000_000, 3660, 3661]) };
    jsonText = undefined;
  }

  let body: Uint8Array | undefined;
  if (jsonText !== undefined || json !== undefined) {
    body = Buffer.from(jsonText ?? toJsonText(json));
    headers['content-type'] = 'application/json';
  } else if (multipart !== undefined) {
    const built = multipartBytes(rng, multipart);
    body = built.body;
    headers['content-type'] = built.contentType;
  }
  if (contentType !== undefined) {
    if (contentType === '') delete headers['content-type'];
    else headers['content-type'] = contentType;
  }
  if (encoding !== undefined && body !== undefined) {
    headers['content-encoding'] = encoding;
    if (encoding.toLowerCase().includes('gzip') && rng.chance(0.5)) body = gzipSync(body);
  }
  // fetch sends no body with GET and HEAD.
  if (method === 'GET' || method === 'HEAD') body = undefined;

  const search = query.map(([k, v]) => (v === '' && k.startsWith('&') ? k : `${k}=${v}`)).join('&');
  return {
    label: `${base.route} [${mutations.join('+')}]`,
    method,
    path: `/${segments.join('/')}${query.length > 0 ? `?${search}` : ''}`,
    headers,
    body,
  };
}
