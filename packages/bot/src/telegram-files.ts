import type { TelegramConfig } from './config.ts';

/** Images the API accepts are smaller than 10 MiB (spec §7.1); Telegram serves bots files up to 20 MB. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Downloads a file a user sent, by the `file_path` of `getFile`, from the Bot API's file endpoint. */
export async function downloadTelegramFile(
  telegram: Extract<TelegramConfig, { kind: 'enabled' }>,
  filePath: string,
  timeoutMs = 30_000,
): Promise<Uint8Array> {
  const url = `${telegram.apiRoot}/file/bot${telegram.token}/${filePath}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  // The URL holds the token: never put it into an error message.
  if (!response.ok) throw new Error(`Telegram file download failed with HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
