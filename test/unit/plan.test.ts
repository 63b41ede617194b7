// Planner tables: for each transition, the printed plan. Every row is a sentence.
import { describe, expect, it } from 'vitest';
import { formatPlan, plan } from '../../src/controllers/nativecontainer/plan.ts';
import { container } from './fixtures.ts';
import { create, deleting, inPlace, newImage, observed, one, rebuild, states } from './plan-cases.ts';

describe('the NativeContainer planner', () => {
  describe.each([
    ['creating', create],
    ['changing state', states],
    ['changing in place and restarting', inPlace],
    ['rebuilding', rebuild],
    ['deleting', deleting],
  ])('when %s', (_, cases) => {
    it.each(cases)('$name', ({ desired, observed, deleting, memory, expected }) => {
      expect(formatPlan(plan({ desired, observed, deleting: deleting ?? false, ...(memory ? { memory } : {}) }))).toBe(
        expected.join('\n'),
      );
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
