/**
 * Money travels as a decimal string between the API edge and PostgreSQL NUMERIC, so sums are
 * exact (0.1 + 0.2 is 0.3). A JSON number is converted with its shortest round-trip form, which
 * is the decimal the client wrote.
 */
export function moneyToDecimal(value: number): string {
  return String(value);
}

/** A NUMERIC string (already rounded by SQL where needed) to the shortest JSON number. */
export function decimalToNumber(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}
