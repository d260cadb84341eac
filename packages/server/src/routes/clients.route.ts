import { getClient, upsertClients } from '@adnova/core/clients/clients';
import { ClientSchema, UpsertClientsBody } from '@adnova/core/clients/clients.schema';
import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const error = refTo(ErrorSchema);

export const clientsRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/clients/bulk',
    {
      schema: {
        tags: ['Clients'],
        summary: 'Create or update clients',
        description: 'Upsert, all-or-nothing. One entry per distinct id, ordered by its last occurrence.',
        body: UpsertClientsBody,
        response: { 201: Type.Array(refTo(ClientSchema)), 400: error, 413: error },
      },
    },
    async (request, reply) => reply.code(201).send(await upsertClients(deps, request.body)),
  );

  app.get(
    '/clients/:clientId',
    {
      schema: {
        tags: ['Clients'],
        summary: 'Get a client',
        params: Type.Object({ clientId: Uuid() }),
        response: { 200: refTo(ClientSchema), 400: error, 404: error },
      },
    },
    async (request) => getClient(deps, request.params.clientId),
  );
};
