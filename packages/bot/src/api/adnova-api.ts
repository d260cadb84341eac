import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.d.ts';

type Schemas = components['schemas'];
export type Campaign = Schemas['Campaign'];
export type CampaignCreate = Schemas['CampaignCreate'];
export type CampaignUpdate = Schemas['CampaignUpdate'];
export type Targeting = Schemas['Targeting'];
export type Stats = Schemas['Stats'];
export type DailyStats = Schemas['DailyStats'];
export type TelegramLink = Schemas['TelegramLink'];
export type GenerationTask = Schemas['GenerationTask'];
export type Advertiser = Schemas['Advertiser'];
/** The optional window of a daily series (spec §8 #37). */
export type DayWindow = NonNullable<
  paths['/stats/advertisers/{advertiserId}/campaigns/daily']['get']['parameters']['query']
>;

/**
 * The API answered with an error status. `detail` is the body's `detail` as one readable line
 * (validation issues joined), ready to show to the user.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly operation: string,
  ) {
    super(`${operation}: ${status} ${detail}`);
    this.name = 'ApiError';
  }
}

/** The API could not be reached or did not answer in time. */
export class ApiUnavailableError extends Error {
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: the AdNova API is unreachable`, options);
    this.name = 'ApiUnavailableError';
  }
}

/** Reads the spec's error body (§1.3): a string, or a list of issues whose messages name the fields. */
export function errorDetail(body: unknown, status: number): string {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const messages = detail
      .map((issue) => (issue as { msg?: unknown }).msg)
      .filter((msg): msg is string => typeof msg === 'string');
    if (messages.length > 0) return messages.join('; ');
  }
  return `HTTP ${status}`;
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

export type AdnovaApiOptions = {
  baseUrl: string;
  /** Shared secret of the bot-only endpoints (`BOT_API_TOKEN`). */
  botApiToken: string | undefined;
  /** Per-request timeout, milliseconds. */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

/**
 * The AdNova HTTP API as the bot uses it, typed by the generated `schema.d.ts`. Every method
 * returns the success body or throws `ApiError` (an error status) or `ApiUnavailableError`.
 */
export function createAdnovaApi(options: AdnovaApiOptions) {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const baseFetch = options.fetch ?? fetch;
  const client: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: options.botApiToken ? { 'x-bot-token': options.botApiToken } : {},
    fetch: (request: Request) => baseFetch(request, { signal: AbortSignal.timeout(timeoutMs) }),
  });

  async function call<T>(
    operation: string,
    run: () => Promise<Answer<T>>,
  ): Promise<{ data: T; response: Response }> {
    let answer: Answer<T>;
    try {
      answer = await run();
    } catch (cause) {
      throw new ApiUnavailableError(operation, { cause });
    }
    const { response } = answer;
    if (!response.ok)
      throw new ApiError(response.status, errorDetail(answer.error, response.status), operation);
    return { data: answer.data as T, response };
  }
  const body = async <T>(operation: string, run: () => Promise<Answer<T>>): Promise<T> =>
    (await call(operation, run)).data;

  const link = (telegramUserId: number) => ({ params: { path: { telegramUserId } } });
  const campaign = (advertiserId: string, campaignId: string) => ({
    params: { path: { advertiserId, campaignId } },
  });

  return {
    issueLinkCode: (advertiserId: string) =>
      body('issue a link code', () =>
        client.POST('/advertisers/{advertiserId}/link_codes', { params: { path: { advertiserId } } }),
      ),
    link: (code: string, telegramUserId: number) =>
      body('link the account', () =>
        client.POST('/telegram/links', { body: { code, telegram_user_id: telegramUserId } }),
      ),
    getLink: (telegramUserId: number) =>
      body('read the account link', () =>
        client.GET('/telegram/links/{telegramUserId}', link(telegramUserId)),
      ),
    unlink: async (telegramUserId: number): Promise<void> => {
      await call('unlink the account', () =>
        client.DELETE('/telegram/links/{telegramUserId}', link(telegramUserId)),
      );
    },
    getAdvertiser: (advertiserId: string) =>
      body('read the advertiser', () =>
        client.GET('/advertisers/{advertiserId}', { params: { path: { advertiserId } } }),
      ),
    currentDay: async (): Promise<number> =>
      (await body('read the current day', () => client.GET('/time'))).current_date,

    /** One page of campaigns and the advertiser's total (`X-Total-Count`). */
    listCampaigns: async (advertiserId: string, page: number, size: number) => {
      const { data, response } = await call('list campaigns', () =>
        client.GET('/advertisers/{advertiserId}/campaigns', {
          params: { path: { advertiserId }, query: { page, size } },
        }),
      );
      const total = Number(response.headers.get('x-total-count'));
      return { items: data, total: Number.isFinite(total) ? total : data.length };
    },
    getCampaign: (advertiserId: string, campaignId: string) =>
      body('read the campaign', () =>
        client.GET('/advertisers/{advertiserId}/campaigns/{campaignId}', campaign(advertiserId, campaignId)),
      ),
    createCampaign: (advertiserId: string, input: CampaignCreate) =>
      body('create the campaign', () =>
        client.POST('/advertisers/{advertiserId}/campaigns', {
          params: { path: { advertiserId } },
          body: input,
        }),
      ),
    updateCampaign: (advertiserId: string, campaignId: string, input: CampaignUpdate) =>
      body('update the campaign', () =>
        client.PUT('/advertisers/{advertiserId}/campaigns/{campaignId}', {
          ...campaign(advertiserId, campaignId),
          body: input,
        }),
      ),
    deleteCampaign: async (advertiserId: string, campaignId: string): Promise<void> => {
      await call('delete the campaign', () =>
        client.DELETE(
          '/advertisers/{advertiserId}/campaigns/{campaignId}',
          campaign(advertiserId, campaignId),
        ),
      );
    },
    uploadImage: (
      advertiserId: string,
      campaignId: string,
      image: { data: Uint8Array; fileName: string },
    ) => {
      const form = new FormData();
      form.append('ad_image', new Blob([image.data]), image.fileName);
      return body('upload the image', () =>
        client.POST('/advertisers/{advertiserId}/campaigns/{campaignId}/ad_image', {
          ...campaign(advertiserId, campaignId),
          // The typed body only documents the form; the request sends the FormData as is.
          body: { ad_image: image.fileName },
          bodySerializer: () => form,
        }),
      );
    },
    deleteImage: async (advertiserId: string, campaignId: string): Promise<void> => {
      await call('delete the image', () =>
        client.DELETE(
          '/advertisers/{advertiserId}/campaigns/{campaignId}/ad_image',
          campaign(advertiserId, campaignId),
        ),
      );
    },
    /** Downloads a campaign image from its public URL (`ad_image`). */
    downloadImage: async (url: string): Promise<Uint8Array> => {
      let response: Response;
      try {
        response = await baseFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (cause) {
        throw new ApiUnavailableError('download the image', { cause });
      }
      if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`, 'download the image');
      return new Uint8Array(await response.arrayBuffer());
    },
    campaignStats: (campaignId: string) =>
      body('read campaign statistics', () =>
        client.GET('/stats/campaigns/{campaignId}', { params: { path: { campaignId } } }),
      ),
    advertiserStats: (advertiserId: string) =>
      body('read statistics', () =>
        client.GET('/stats/advertisers/{advertiserId}/campaigns', { params: { path: { advertiserId } } }),
      ),
    /**
     * The advertiser's daily figures for the days `from_day..to_day` (both optional, inclusive;
     * at most 3660 days, spec §8 #37); without a window, the API's default (the latest 3660 days).
     */
    advertiserDailyStats: (advertiserId: string, window: DayWindow = {}) =>
      body('read daily statistics', () =>
        client.GET('/stats/advertisers/{advertiserId}/campaigns/daily', {
          params: { path: { advertiserId }, query: window },
        }),
      ),
    generateAdText: (advertiserName: string, adTitle: string) =>
      body('start ad text generation', () =>
        client.POST('/generate/ad_text', { body: { advertiser_name: advertiserName, ad_title: adTitle } }),
      ),
    /** The generation task; `undefined` while the API does not know it yet (spec §7.2: pollers tolerate 404). */
    generation: async (taskId: string): Promise<GenerationTask | undefined> => {
      try {
        return await body('read the generated ad text', () =>
          client.GET('/generate/ad_text/{taskId}/result', { params: { path: { taskId } } }),
        );
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }
    },
  };
}

export type AdnovaApi = ReturnType<typeof createAdnovaApi>;
