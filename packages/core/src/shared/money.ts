/**
 * Money travels as a decimal string between the API edge and PostgreSQL NUMERIC, so sums are
 * exact (0.1 + 0.2 is 0.3). A JSON number is converted with its shortest round-trip form, which
 * is the decimal the client wrote.
 */
/**
 * Largest price of one impression or click. Sums of recorded prices are answered as JSON numbers
 * and must stay finite (spec §1.6): at most 2^53 events × 1e9 ≈ 9e24, far inside a double. Without
 * a bound, two clicks at 1e308 summed past the double range and stats answered `null` (issue 12
 * robustness run).
 */
export const MAX_MONEY = 1_000_000_000;

export function moneyToDecimal(value: number): string {
  return String(value);
}

/** A NUMERIC string (already rounded by SQL where needed) to the shortest JSON number. */
export function decimalToNumber(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}
