// The one LabelSelector matcher (host selectors and namespace selectors): only the labels' own
// keys count. A key that names a property of Object's prototype (constructor, toString) is a
// label like any other: present only when the labels have it.
import { describe, expect, it } from 'vitest';
import { selects, type LabelSelectorRequirement } from '../../src/api/label-selector.ts';

describe('label selectors on keys that Object.prototype has', () => {
  const without = { zone: 'a' };
  const with_ = { zone: 'a', constructor: 'x', toString: 'y' };

  it.each<[string, LabelSelectorRequirement, boolean, boolean]>([
    // [name, expression, on labels without the key, on labels with it]
    ['Exists constructor', { key: 'constructor', operator: 'Exists' }, false, true],
    ['Exists toString', { key: 'toString', operator: 'Exists' }, false, true],
    ['DoesNotExist constructor', { key: 'constructor', operator: 'DoesNotExist' }, true, false],
    ['DoesNotExist toString', { key: 'toString', operator: 'DoesNotExist' }, true, false],
    ['In constructor', { key: 'constructor', operator: 'In', values: ['x'] }, false, true],
    ['In toString, another value', { key: 'toString', operator: 'In', values: ['x'] }, false, false],
    ['NotIn constructor', { key: 'constructor', operator: 'NotIn', values: ['x'] }, true, false],
    ['NotIn toString, another value', { key: 'toString', operator: 'NotIn', values: ['x'] }, true, true],
  ])('%s', (_name, expression, onWithout, onWith) => {
    expect(selects({ matchExpressions: [expression] }, without)).toBe(onWithout);
    expect(selects({ matchExpressions: [expression] }, with_)).toBe(onWith);
  });

  it('matchLabels on such a key needs the label with its value', () => {
    expect(selects({ matchLabels: { constructor: 'x' } }, without)).toBe(false);
    expect(selects({ matchLabels: { constructor: 'x' } }, with_)).toBe(true);
  });
});
