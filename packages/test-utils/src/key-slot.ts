import { Buffer } from 'node:buffer';

/** Redis Cluster's number of hash slots. */
export const SLOTS = 16_384;

/**
 * The Redis Cluster hash slot of `key`, computed as Redis does (cluster spec, "Keys hash tags"):
 * CRC16-CCITT (XMODEM) of the key's bytes mod 16384, or of the part between the first `{` and the
 * first `}` after it when that part is not empty. Written out here so the key-shape tests need no
 * Redis and no extra package.
 */
export function keySlot(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % SLOTS;
}
