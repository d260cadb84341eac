import { deleteCampaignImage, MAX_IMAGE_BYTES, setCampaignImage } from '@adnova/core/campaigns/ad-image';
import { CampaignSchema } from '@adnova/core/campaigns/campaigns.schema';
import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { FilePart, MultipartBody, readFilePart } from '../http/multipart.ts';

const error = refTo(ErrorSchema);
const CampaignParams = Type.Object({ advertiserId: Uuid(), campaignId: Uuid() });
const PATH = '/advertisers/:advertiserId/campaigns/:campaignId/ad_image';

/** Campaign image upload and removal (spec §7.1). */
export const adImageRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  // Only these routes accept multipart bodies, so the parser is scoped to this plugin. An over-long
  // file is cut and flagged rather than failed with the parser's 413: the spec answers 400 for it.
  await app.register(multipart, { throwFileSizeLimit: false });

  app.post(
    PATH,
    {
      schema: {
        tags: ['Campaigns'],
        summary: "Upload or replace a campaign's image",
        description:
          'The file must be smaller than 10 MiB and decode as an image (PNG, JPEG, GIF, WebP, TIFF or AVIF; the file name and declared type are not trusted). The previous image is deleted. Allowed in any campaign state. Errors, in order: 400 malformed ids or no `ad_image` part; 404 unknown or foreign campaign; 400 "File can\'t be bigger than 10MB."; 400 "File must be a valid image.".',
        consumes: ['multipart/form-data'],
        params: CampaignParams,
        body: MultipartBody({ ad_image: FilePart('The image file (exactly one part).') }),
        response: { 200: refTo(CampaignSchema), 400: error, 404: error, 413: error, 503: error },
      },
    },
    async (request) =>
      setCampaignImage(
        deps,
        request.params.advertiserId,
        request.params.campaignId,
        await readFilePart(request, 'ad_image', {
          maxBytes: MAX_IMAGE_BYTES,
          bodyLimit: deps.config.http.bodyLimit,
        }),
      ),
  );

  app.delete(
    PATH,
    {
      schema: {
        tags: ['Campaigns'],
        summary: "Delete a campaign's image",
        description: '204 whether or not the campaign had an image.',
        params: CampaignParams,
        response: { 204: Type.Null(), 400: error, 404: error },
      },
    },
    async (request, reply) => {
      await deleteCampaignImage(deps, request.params.advertiserId, request.params.campaignId);
      return reply.code(204).send(null);
    },
  );
};
