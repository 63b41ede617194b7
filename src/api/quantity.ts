// Kubernetes resource quantities ("500m", "1.5", "256Mi", "1e3", 2) as exact rationals, so
// limits compare like the API server's CEL quantity() and convert to Docker's integers.

export interface Rational {
  num: bigint;
  den: bigint;
}

const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** Parses a quantity; undefined when it is not one. */
export function parseQuantity(value: string | number): Rational | undefined {
  const m = QUANTITY.exec(String(value));
  if (!m) return undefined;
  const [, sign = '', digits = '', suffix = ''] = m;
  const [whole = '', fraction = ''] = digits.split('.');
  const mantissa = BigInt(`${whole}${fraction}` || '0') * (sign === '-' ? -1n : 1n);
  return scale({ num: mantissa, den: 10n ** BigInt(fraction.length) }, suffix);
}

function scale(q: Rational, suffix: string): Rational {
  const binary = BINARY_SUFFIX[suffix];
  if (binary !== undefined) return { num: q.num * 2n ** BigInt(binary), den: q.den };
  const exponent = DECIMAL_SUFFIX[suffix] ?? Number(suffix.slice(1));
  return exponent >= 0
    ? { num: q.num * 10n ** BigInt(exponent), den: q.den }
    : { num: q.num, den: q.den * 10n ** BigInt(-exponent) };
}

/** -1, 0 or 1, as CEL's quantity compareTo. */
export function compareQuantity(a: Rational, b: Rational): number {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** CPUs as Docker's NanoCpus (rounded down to whole nanoCPUs). */
export function toNanoCpus(value: string | number): number {
  const q = mustParse(value);
  return Number((q.num * 1_000_000_000n) / q.den);
}

/** CPUs in millicores: toNanoCpus over a million (a fraction below a millicore is kept). */
export function toMilliCpus(value: string | number): number {
  return toNanoCpus(value) / 1e6;
}

/** Memory as whole bytes, rounded up as Kubernetes does. */
export function toBytes(value: string | number): number {
  const q = mustParse(value);
  return Number((q.num + q.den - 1n) / q.den);
}

function mustParse(value: string | number): Rational {
  const q = parseQuantity(value);
  if (!q) throw new Error(`not a quantity: ${JSON.stringify(value)}`);
  return q;
}
