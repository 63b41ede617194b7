// Planner tables: for each transition, the printed plan. Every row is a sentence.
import { describe, expect, it } from 'vitest';
import { formatPlan, plan } from '../../src/controllers/nativecontainer/plan.ts';
import { container } from './fixtures.ts';
import { create, deleting, health, inPlace, newImage, observed, one, rebuild, states, update } from './plan-cases.ts';

describe('the NativeContainer planner', () => {
  describe.each([
    ['creating', create],
    ['changing state', states],
    ['changing in place and restarting', inPlace],
    ['rebuilding', rebuild],
    ['deleting', deleting],
    ['acting on health', health],
    ['following and rolling back image updates', update],
  ])('when %s', (_, cases) => {
    it.each(cases)('$name', ({ desired, observed, deleting, memory, now, expected }) => {
      const input = {
        desired,
        observed,
        deleting: deleting ?? false,
        ...(memory ? { memory } : {}),
        ...(now ? { now } : {}),
      };
      expect(formatPlan(plan(input))).toBe(expected.join('\n'));
    });
  });

  it('plans nothing twice: after a rebuild the new container with the final name needs nothing', () => {
    const after = observed([container('bbbbbbbbbbbb2', 'running', newImage.hash, { image: 'nco-test/busybox:2' })]);
    expect(plan({ desired: newImage, observed: after, deleting: false })).toEqual([]);
  });

  it('never stops the old container before the new image is pulled', () => {
    const ops = plan({
      desired: newImage,
      observed: observed([one('running')], { imagePresent: false }),
      deleting: false,
    });
    const types = ops.map((o) => o.type);
    expect(types.indexOf('Pull')).toBeLessThan(types.indexOf('Stop'));
    expect(types.indexOf('Create')).toBeLessThan(types.indexOf('Stop'));
  });
});
