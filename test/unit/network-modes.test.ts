import { describe, expect, it } from 'vitest';
import {
  isPredefinedNetwork,
  joinsNoNetwork,
  namesAttachableNetwork,
  UNGATED_NETWORKS,
} from '../../src/api/network-modes.ts';

// Each caller's set, as it was before the sets were gathered here: bridge is attachable by name
// (desired.ts) and yet predefined (the planner does not rebuild to leave it); host is never ungated.
describe('network modes', () => {
  const modes = ['none', 'host', 'default', 'bridge', 'backend', 'container:web'];
  const where = (p: (mode: string) => boolean): string[] => modes.filter(p);

  it('each predicate keeps its own set', () => {
    expect(where(joinsNoNetwork)).toEqual(['none', 'host']);
    expect(where((m) => !namesAttachableNetwork(m))).toEqual(['none', 'host', 'default']);
    expect(where(isPredefinedNetwork)).toEqual(['none', 'host', 'default', 'bridge']);
    expect([...UNGATED_NETWORKS].sort()).toEqual(['bridge', 'default', 'none']);
  });
});
