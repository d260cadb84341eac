import type { Deps } from '@adnova/core/deps';
import { checkHealth, coreHealthChecks, type HealthCheck } from '@adnova/core/health/health';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { escapeHtml } from '../admin/html.ts';

/** True when the Accept header lists JSON and does not list HTML before it. */
function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const json = accept.indexOf('application/json');
  const html = accept.indexOf('text/html');
  return json !== -1 && (html === -1 || json < html);
}

function renderHtml(components: Record<string, string>, healthy: boolean): string {
  const rows = Object.entries(components)
    .map(
      ([name, status]) =>
        `<tr><td>${escapeHtml(name)}</td><td class="${status === 'working' ? 'ok' : 'bad'}">${escapeHtml(status)}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>AdNova health</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4rem .8rem;text-align:left}.ok{color:#166534}.bad{color:#b91c1c}</style>
</head><body><h1>AdNova: ${healthy ? 'healthy' : 'unhealthy'}</h1><table><tr><th>Component</th><th>Status</th></tr>${rows}</table>
<p><a href="?format=json">JSON</a></p></body></html>`;
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: Deps; extraChecks?: HealthCheck[] }> = async (
  app,
  { deps, extraChecks = [] },
) => {
  const checks = [...coreHealthChecks(deps), ...extraChecks];

  // Liveness: answers as long as the process serves HTTP, touching no dependency (for
  // orchestrators' liveness probes and as the benchmark's baseline route).
  app.get(
    '/livez',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Liveness probe',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/health',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Component health',
        description:
          'JSON with `?format=json` or `Accept: application/json`, HTML otherwise. 200 when every critical component is "working", 500 otherwise.',
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html')])),
        }),
      },
    },
    async (request, reply) => {
      const { healthy, components } = await checkHealth(checks);
      const wantsJson =
        request.query.format === 'json' ||
        (request.query.format !== 'html' && prefersJson(request.headers.accept));
      reply.code(healthy ? 200 : 500);
      if (wantsJson) return reply.send(components);
      return reply.type('text/html; charset=utf-8').send(renderHtml(components, healthy));
    },
  );
};
