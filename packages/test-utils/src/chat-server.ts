import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChatRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    temperature?: number;
    max_tokens?: number;
  };
};

/** What the server answers to one request: a reply text (200), or a raw status and body. */
export type ChatAnswer =
  | { reply: string; delayMs?: number }
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

export type ChatServer = {
  /** Base URL to configure as LLM_BASE_URL (includes /v1). */
  baseUrl: string;
  requests: ChatRequest[];
  close(): Promise<void>;
};

export const API_KEY = 'test-key';

/**
 * A local HTTP server speaking the OpenAI chat-completions protocol on 127.0.0.1: POST
 * /v1/chat/completions with a Bearer key, answering `choices[0].message.content`. `answer`
 * decides each reply (scripted failures, slow answers, per-prompt verdicts).
 */
export async function startChatServer(
  answer: (request: ChatRequest, index: number) => ChatAnswer,
): Promise<ChatServer> {
  const requests: ChatRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: ChatRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: raw ? (JSON.parse(raw) as ChatRequest['body']) : {},
      };
      const index = requests.push(request) - 1;
      const send = (status: number, body: string, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      };
      if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
        return send(404, JSON.stringify({ error: { message: 'no such route' } }));
      }
      if (request.headers.authorization !== `Bearer ${API_KEY}`) {
        return send(401, JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
      }
      const planned = answer(request, index);
      const respond = () => {
        if ('reply' in planned) {
          send(
            200,
            JSON.stringify({
              id: `chatcmpl-${index}`,
              object: 'chat.completion',
              model: request.body.model,
              choices: [
                { index: 0, message: { role: 'assistant', content: planned.reply }, finish_reason: 'stop' },
              ],
            }),
          );
        } else {
          send(planned.status, planned.body ?? '', planned.headers);
        }
      };
      if (planned.delayMs) setTimeout(respond, planned.delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
