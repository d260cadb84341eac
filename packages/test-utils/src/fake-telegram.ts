import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the part of the Telegram Bot API the AdNova bot uses, so the
 * real grammY client runs against it over HTTP: long-polled `getUpdates` with offsets, messages
 * (`sendMessage`, `editMessageText`, `sendPhoto` as multipart), callback answers, files
 * (`getFile` and the file download endpoint), commands. Tests drive it as users (`user()`):
 * inject a message, a photo or a button press, and get back what the bot did in answer. An
 * update counts as answered when the bot asks for the next updates past it (grammY handles
 * updates one by one and confirms them with the next `getUpdates` offset).
 */

type Json = Record<string, unknown>;
type Button = { text: string; callback_data?: string };
type Markup = { inline_keyboard: Button[][] };

export type TgUser = { id: number; is_bot: false; first_name: string; language_code?: string };

export type StoredMessage = {
  message_id: number;
  chat_id: number;
  from_bot: boolean;
  text?: string;
  caption?: string;
  reply_markup?: Markup;
  /** The uploaded image, for bot photos. */
  photo?: Buffer;
};

/** One thing the bot did in a chat. */
export type BotAction = {
  method: string;
  chatId: number;
  messageId?: number;
  text?: string;
  caption?: string;
  parseMode?: string;
  buttons: Button[];
  photo?: Buffer;
  /** The toast of `answerCallbackQuery`. */
  toast?: string;
};

export const BOT_USER = {
  id: 7000001,
  is_bot: true,
  first_name: 'AdNova Test Bot',
  username: 'adnova_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
};

/** Telegram's HTML, as a person reads it: tags dropped, entities decoded. */
export const plain = (html: string | undefined): string =>
  (html ?? '')
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replaceAll('&amp;', '&');

/**
 * The parts of a multipart/form-data body. Written here because grammY's bodies are valid but
 * terse (`content-disposition:form-data;name="x";filename=y.png`, unquoted file names), which
 * Telegram accepts and Node's strict `Request.formData()` refuses.
 */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { name: string; filename?: string; data: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = Buffer.from(`--${boundary?.[1] ?? boundary?.[2] ?? ''}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let start = body.indexOf(marker);
  while (start !== -1) {
    const headerStart = start + marker.length + 2; // after the boundary's CRLF
    if (body.subarray(start + marker.length, start + marker.length + 2).toString() === '--') break;
    const next = body.indexOf(marker, headerStart);
    if (next === -1) break;
    const part = body.subarray(headerStart, next - 2); // without the CRLF before the next boundary
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const disposition = /content-disposition:\s*form-data\s*(;.*)/i.exec(headers)?.[1] ?? '';
    const param = (key: string) =>
      new RegExp(`;\\s*${key}=(?:"([^"]*)"|([^;\\r\\n]*))`, 'i').exec(disposition);
    const name = param('name');
    const filename = param('filename');
    parts.push({
      name: name?.[1] ?? name?.[2] ?? '',
      ...(filename ? { filename: filename[1] ?? filename[2] ?? '' } : {}),
      data: part.subarray(split + 4),
    });
    start = next;
  }
  return parts;
}

class TelegramError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
  ) {
    super(description);
  }
}

export class FakeTelegram {
  readonly token = `${BOT_USER.id}:FAKE-token-for-tests`;
  apiRoot = '';
  /** Every Bot API call, in order. */
  readonly calls: { method: string; payload: Json }[] = [];
  /** Methods the bot called that this fake does not implement (tests expect none). */
  readonly unsupported: string[] = [];
  /** `setMyCommands` by language code ('' = default). */
  readonly commands = new Map<string, { command: string; description: string }[]>();
  readonly actions: BotAction[] = [];

  private server: Server | undefined;
  private updates: Json[] = [];
  private nextUpdateId = 1;
  /** Updates below this id are confirmed (the bot asked past them). */
  private offset = 0;
  private pollers = new Set<() => void>();
  private confirmWaiters: { updateId: number; resolve: () => void }[] = [];
  private actionWaiters: { test: (a: BotAction) => boolean; resolve: (a: BotAction) => void }[] = [];
  private messages = new Map<string, StoredMessage>();
  private nextMessageId = new Map<number, number>();
  private files = new Map<string, { data: Buffer; path: string }>();
  private callbackChats = new Map<string, number>();

  static async start(): Promise<FakeTelegram> {
    const tg = new FakeTelegram();
    tg.server = createServer((req, res) => {
      tg.handle(req, res).catch((error: unknown) => {
        res
          .writeHead(500)
          .end(
            String(
              error instanceof Error
                ? `${error.stack} cause: ${String((error as { cause?: unknown }).cause)}`
                : error,
            ),
          );
      });
    });
    await new Promise<void>((resolve) => tg.server?.listen(0, '127.0.0.1', resolve));
    const { port } = tg.server.address() as AddressInfo;
    tg.apiRoot = `http://127.0.0.1:${port}`;
    return tg;
  }

  async close(): Promise<void> {
    for (const wake of this.pollers) wake();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  user(options: { id?: number; firstName?: string; languageCode?: string } = {}): FakeUser {
    const user: TgUser = {
      id: options.id ?? 100_000 + Math.floor(Math.random() * 1_000_000_000),
      is_bot: false,
      first_name: options.firstName ?? 'Ann',
      ...(options.languageCode === undefined
        ? { language_code: 'en' }
        : { language_code: options.languageCode }),
    };
    return new FakeUser(this, user);
  }

  /** Queues an update (its `update_id` is assigned) and wakes a waiting `getUpdates`. */
  inject(update: Json): number {
    const updateId = this.nextUpdateId++;
    this.updates.push({ update_id: updateId, ...update });
    for (const wake of this.pollers) wake();
    return updateId;
  }

  /** Resolves once the bot has confirmed (finished handling) the update. */
  processed(updateId: number, timeoutMs = 20_000): Promise<void> {
    if (this.offset > updateId) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the bot did not finish update ${updateId} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.confirmWaiters.push({
        updateId,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** The next bot action (from now on) that passes `test`. */
  nextAction(test: (a: BotAction) => boolean, timeoutMs = 5000): Promise<BotAction> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching bot action')), timeoutMs);
      this.actionWaiters.push({
        test,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
    });
  }

  storeMessage(message: StoredMessage): void {
    this.messages.set(`${message.chat_id}:${message.message_id}`, message);
  }

  newMessageId(chatId: number): number {
    const id = (this.nextMessageId.get(chatId) ?? 0) + 1;
    this.nextMessageId.set(chatId, id);
    return id;
  }

  /** The bot's messages in a chat, oldest first, as they look now (edits applied). */
  botMessages(chatId: number): StoredMessage[] {
    return [...this.messages.values()]
      .filter((m) => m.chat_id === chatId && m.from_bot)
      .sort((a, b) => a.message_id - b.message_id);
  }

  addFile(data: Buffer, extension: string): { fileId: string; path: string } {
    const fileId = `file-${randomUUID()}`;
    const path = `files/${fileId}.${extension}`;
    this.files.set(fileId, { data, path });
    return { fileId, path };
  }

  rememberCallback(id: string, chatId: number): void {
    this.callbackChats.set(id, chatId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);

    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) {
      const found = [...this.files.values()].find((f) => f.path === file[2]);
      if (file[1] !== this.token || !found) res.writeHead(404).end('Not Found');
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(found.data);
      return;
    }
    const call = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    const reply = (status: number, payload: Json) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (!call) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (call[1] !== this.token)
      return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = call[2] ?? '';
    const { payload, uploads } = await this.parseBody(req, body);
    this.calls.push({ method, payload });
    try {
      const result = await this.dispatch(method, payload, uploads, req);
      reply(200, { ok: true, result });
    } catch (error) {
      if (error instanceof TelegramError) {
        return reply(error.code, { ok: false, error_code: error.code, description: error.description });
      }
      throw error;
    }
  }

  private async parseBody(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ payload: Json; uploads: Map<string, Buffer> }> {
    const type = req.headers['content-type'] ?? '';
    const uploads = new Map<string, Buffer>();
    if (body.length === 0) return { payload: {}, uploads };
    if (type.startsWith('application/json'))
      return { payload: JSON.parse(body.toString('utf8')) as Json, uploads };
    if (type.startsWith('multipart/form-data')) {
      const payload: Json = {};
      for (const part of parseMultipart(body, type)) {
        if (part.filename !== undefined) {
          uploads.set(part.name, part.data);
          continue;
        }
        const value = part.data.toString('utf8');
        // grammY JSON-encodes objects (reply_markup); ids and numbers arrive as plain text.
        payload[part.name] = /^[{[]/.test(value) || /^-?\d+$/.test(value) ? JSON.parse(value) : value;
      }
      return { payload, uploads };
    }
    throw new Error(`unexpected content type ${type}`);
  }

  private record(action: BotAction): void {
    this.actions.push(action);
    for (const waiter of [...this.actionWaiters]) {
      if (waiter.test(action)) {
        this.actionWaiters.splice(this.actionWaiters.indexOf(waiter), 1);
        waiter.resolve(action);
      }
    }
  }

  private botMessage(chatId: number, fields: Partial<StoredMessage>): Json {
    const messageId = this.newMessageId(chatId);
    const stored: StoredMessage = { message_id: messageId, chat_id: chatId, from_bot: true, ...fields };
    this.storeMessage(stored);
    return this.messageJson(stored);
  }

  private messageJson(m: StoredMessage): Json {
    return {
      message_id: m.message_id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: m.chat_id, type: 'private', first_name: 'Ann' },
      from: BOT_USER,
      ...(m.text === undefined ? {} : { text: m.text }),
      ...(m.caption === undefined ? {} : { caption: m.caption }),
      ...(m.photo
        ? { photo: [{ file_id: 'sent-photo', file_unique_id: 'sent-photo', width: 960, height: 540 }] }
        : {}),
      ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
    };
  }

  private async dispatch(
    method: string,
    p: Json,
    uploads: Map<string, Buffer>,
    req: IncomingMessage,
  ): Promise<unknown> {
    const markup = (value: unknown): Markup | undefined =>
      value && typeof value === 'object' && 'inline_keyboard' in value ? (value as Markup) : undefined;
    const buttons = (m: Markup | undefined) => (m?.inline_keyboard ?? []).flat();
    switch (method) {
      case 'getMe':
        return BOT_USER;
      case 'deleteWebhook':
      case 'sendChatAction':
      case 'deleteMessage':
        return true;
      case 'setMyCommands':
        this.commands.set(
          String(p.language_code ?? ''),
          p.commands as { command: string; description: string }[],
        );
        return true;
      case 'getUpdates':
        return this.getUpdates(p, req);
      case 'sendMessage': {
        const chatId = Number(p.chat_id);
        const replyMarkup = markup(p.reply_markup);
        const message = this.botMessage(chatId, { text: String(p.text), reply_markup: replyMarkup });
        this.record({
          method,
          chatId,
          messageId: message.message_id as number,
          text: String(p.text),
          parseMode: p.parse_mode as string | undefined,
          buttons: buttons(replyMarkup),
        });
        return message;
      }
      case 'editMessageText':
      case 'editMessageReplyMarkup': {
        const chatId = Number(p.chat_id);
        const key = `${chatId}:${Number(p.message_id)}`;
        const stored = this.messages.get(key);
        if (!stored) throw new TelegramError(400, 'Bad Request: message to edit not found');
        const next: StoredMessage = {
          ...stored,
          ...(method === 'editMessageText' ? { text: String(p.text) } : {}),
          reply_markup: markup(p.reply_markup),
        };
        if (
          next.text === stored.text &&
          JSON.stringify(next.reply_markup) === JSON.stringify(stored.reply_markup)
        ) {
          throw new TelegramError(
            400,
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        }
        this.storeMessage(next);
        this.record({
          method,
          chatId,
          messageId: next.message_id,
          text: next.text,
          parseMode: p.parse_mode as string | undefined,
          buttons: buttons(next.reply_markup),
        });
        return this.messageJson(next);
      }
      case 'answerCallbackQuery': {
        const chatId = this.callbackChats.get(String(p.callback_query_id)) ?? 0;
        this.record({ method, chatId, buttons: [], toast: p.text as string | undefined });
        return true;
      }
      case 'sendPhoto': {
        const chatId = Number(p.chat_id);
        const ref = String(p.photo ?? '');
        const photo = uploads.get(ref.startsWith('attach://') ? ref.slice('attach://'.length) : 'photo');
        if (!photo) throw new TelegramError(400, 'Bad Request: there is no photo in the request');
        const caption = p.caption === undefined ? undefined : String(p.caption);
        const message = this.botMessage(chatId, { caption, photo });
        this.record({ method, chatId, messageId: message.message_id as number, caption, buttons: [], photo });
        return message;
      }
      case 'getFile': {
        const found = this.files.get(String(p.file_id));
        if (!found) throw new TelegramError(400, 'Bad Request: invalid file_id');
        return {
          file_id: p.file_id,
          file_unique_id: p.file_id,
          file_size: found.data.length,
          file_path: found.path,
        };
      }
      default:
        this.unsupported.push(method);
        throw new TelegramError(404, `Not Found: the fake Bot API does not implement ${method}`);
    }
  }

  /** Long polling: answers at once when updates at or past `offset` wait, otherwise when one arrives or `timeout` s pass. */
  private async getUpdates(p: Json, req: IncomingMessage): Promise<Json[]> {
    const offset = Number(p.offset ?? 0);
    if (offset > this.offset) {
      this.offset = offset;
      this.updates = this.updates.filter((u) => (u.update_id as number) >= offset);
      for (const waiter of [...this.confirmWaiters]) {
        if (waiter.updateId < offset) {
          this.confirmWaiters.splice(this.confirmWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
    const limit = Number(p.limit ?? 100);
    const pending = () => this.updates.filter((u) => (u.update_id as number) >= this.offset).slice(0, limit);
    const timeoutMs = Number(p.timeout ?? 0) * 1000;
    if (pending().length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.pollers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, timeoutMs);
        this.pollers.add(wake);
        req.once('close', wake);
      });
    }
    return pending();
  }
}

/** One Telegram user in a private chat with the bot. */
export class FakeUser {
  constructor(
    readonly tg: FakeTelegram,
    readonly user: TgUser,
  ) {}

  get chatId(): number {
    return this.user.id;
  }

  private chat() {
    return { id: this.user.id, type: 'private', first_name: this.user.first_name };
  }

  private userMessage(fields: Json): Json {
    const messageId = this.tg.newMessageId(this.chatId);
    this.tg.storeMessage({ message_id: messageId, chat_id: this.chatId, from_bot: false });
    return {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: this.chat(),
      from: this.user,
      ...fields,
    };
  }

  /** Injects an update and returns what the bot did in this chat while handling it. */
  async deliver(update: Json): Promise<BotAction[]> {
    const from = this.tg.actions.length;
    const id = this.tg.inject(update);
    await this.tg.processed(id);
    return this.tg.actions.slice(from).filter((a) => a.chatId === this.chatId);
  }

  /** Sends a text message (commands included: `/start`). */
  send(text: string): Promise<BotAction[]> {
    const entities = text.startsWith('/')
      ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]?.length ?? text.length }]
      : undefined;
    return this.deliver({ message: this.userMessage({ text, ...(entities ? { entities } : {}) }) });
  }

  /** Sends a photo (Telegram's compressed image) whose file the bot can download. */
  sendPhoto(data: Buffer): Promise<BotAction[]> {
    const { fileId } = this.tg.addFile(data, 'jpg');
    const photo = [
      { file_id: fileId, file_unique_id: fileId, width: 64, height: 48, file_size: data.length },
    ];
    return this.deliver({ message: this.userMessage({ photo }) });
  }

  /** Sends a file as a document. */
  sendDocument(data: Buffer, fileName: string, mimeType: string): Promise<BotAction[]> {
    const { fileId } = this.tg.addFile(data, fileName.split('.').pop() ?? 'bin');
    const document = {
      file_id: fileId,
      file_unique_id: fileId,
      file_name: fileName,
      mime_type: mimeType,
      file_size: data.length,
    };
    return this.deliver({ message: this.userMessage({ document }) });
  }

  /** The bot's messages in this chat, oldest first, as they look now. */
  messages(): StoredMessage[] {
    return this.tg.botMessages(this.chatId);
  }

  /**
   * Presses the button whose label contains `label` on the newest bot message that has one
   * (or on `message`), like a user tapping it.
   */
  async press(label: string | RegExp, message?: StoredMessage): Promise<BotAction[]> {
    const matches = (b: Button) => (typeof label === 'string' ? b.text.includes(label) : label.test(b.text));
    const candidates = message ? [message] : this.messages().reverse();
    for (const m of candidates) {
      const button = (m.reply_markup?.inline_keyboard ?? []).flat().find(matches);
      if (!button?.callback_data) continue;
      return this.pressData(button.callback_data, m);
    }
    const seen = this.messages().flatMap((m) =>
      (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text),
    );
    throw new Error(`no button matching ${String(label)}; buttons: ${JSON.stringify(seen)}`);
  }

  /** Presses a button by its callback data, on `message` (the newest bot message by default). */
  pressData(data: string, message?: StoredMessage): Promise<BotAction[]> {
    const target = message ?? this.messages().at(-1);
    if (!target) throw new Error('no bot message to press a button on');
    const id = randomUUID();
    this.tg.rememberCallback(id, this.chatId);
    return this.deliver({
      callback_query: {
        id,
        from: this.user,
        chat_instance: String(this.chatId),
        data,
        message: {
          message_id: target.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: this.chat(),
          from: BOT_USER,
          text: target.text ?? '',
        },
      },
    });
  }
}

/** The text of the bot's actions, tags removed, joined: handy for `assert.match`. */
export const said = (actions: BotAction[]): string =>
  actions
    .map((a) => plain(a.text ?? a.caption ?? a.toast))
    .filter(Boolean)
    .join('\n');
