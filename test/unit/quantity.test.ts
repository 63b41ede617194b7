import { describe, expect, it } from 'vitest';
import { compareQuantity, parseQuantity, toBytes, toNanoCpus } from '../../src/api/quantity.ts';

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 500_000_000],
    ['1', 1_000_000_000],
    [2, 2_000_000_000],
    ['1.5', 1_500_000_000],
    ['.25', 250_000_000],
    ['10m', 10_000_000],
    ['2e0', 2_000_000_000],
  ])('converts cpu %s to %d nanoCPUs', (q, nanos) => {
    expect(toNanoCpus(q)).toBe(nanos);
  });

  it.each([
    ['256Mi', 268435456],
    ['1Gi', 1073741824],
    ['64M', 64_000_000],
    ['1.5Ki', 1536],
    [6291456, 6291456],
    ['1e3', 1000],
    ['0.5', 1],
  ])('converts memory %s to %d bytes, rounding up', (q, bytes) => {
    expect(toBytes(q)).toBe(bytes);
  });

  it.each(['', 'abc', '1.2.3', '5 Mi', 'Mi', '1mi'])('refuses %j', (q) => {
    expect(parseQuantity(q)).toBeUndefined();
  });

  it('compares exactly, without floating-point error', () => {
    expect(compareQuantity(parseQuantity('10m')!, parseQuantity('0.01')!)).toBe(0);
    expect(compareQuantity(parseQuantity('6291455')!, parseQuantity('6Mi')!)).toBe(-1);
    expect(compareQuantity(parseQuantity('1E')!, parseQuantity('1000P')!)).toBe(0);
  });
});
