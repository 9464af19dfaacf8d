/** VAT on a total excluding tax: rate in basis points, rounded to the nearest cent, half away from zero. */
export function vatOf(totalExclCents: number, rateBp: number): number {
  const sign = totalExclCents < 0 ? -1n : 1n;
  const abs = BigInt(Math.abs(totalExclCents)) * BigInt(rateBp);
  return Number(sign * ((abs * 2n + 10_000n) / 20_000n));
}
