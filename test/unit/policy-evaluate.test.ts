// The policy evaluation the reconciler runs before it creates or changes anything: which
// NativeContainerPolicies select a namespace, and what of a spec none of them allows. One block
// per rule, each allowed and denied; selection and two policies adding up.
import { describe, expect, it } from 'vitest';
import type { NativeContainerSpec } from '../../src/api/native-container.ts';
import type { NativeContainerPolicy, NativeContainerPolicySpec } from '../../src/api/policy.ts';
import { selects } from '../../src/api/label-selector.ts';
import { evaluate, networkMatches, selectingPolicies, underPrefix, violations } from '../../src/policy/evaluate.ts';

const IMAGE = { image: 'busybox:1.37' };

function policy(name: string, spec: Partial<NativeContainerPolicySpec>): NativeContainerPolicy {
  return { metadata: { name }, spec: { namespaceSelector: {}, ...spec } };
}

/** The fields refused when the given policy specs (all selecting the namespace) apply. */
function refused(spec: Partial<NativeContainerSpec>, ...policies: Partial<NativeContainerPolicySpec>[]): string[] {
  return violations(
    { ...IMAGE, ...spec },
    policies.map((p) => ({ namespaceSelector: {}, ...p })),
  ).map((v) => v.field);
}

describe('namespace selection', () => {
  const labels = { 'kubernetes.io/metadata.name': 'team-a', team: 'a', tier: 'gpu' };

  it('an empty selector selects every namespace; a missing one none', () => {
    expect(selects({}, labels)).toBe(true);
    expect(selects(undefined, labels)).toBe(false);
  });

  it('matchLabels needs every label with its value', () => {
    expect(selects({ matchLabels: { team: 'a' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { team: 'a', tier: 'cpu' } }, labels)).toBe(false);
  });

  it.each([
    [{ key: 'team', operator: 'In' as const, values: ['a', 'b'] }, true],
    [{ key: 'team', operator: 'In' as const, values: ['b'] }, false],
    [{ key: 'missing', operator: 'In' as const, values: ['a'] }, false],
    [{ key: 'team', operator: 'NotIn' as const, values: ['b'] }, true],
    [{ key: 'team', operator: 'NotIn' as const, values: ['a'] }, false],
    [{ key: 'missing', operator: 'NotIn' as const, values: ['a'] }, true],
    [{ key: 'tier', operator: 'Exists' as const }, true],
    [{ key: 'missing', operator: 'Exists' as const }, false],
    [{ key: 'missing', operator: 'DoesNotExist' as const }, true],
    [{ key: 'tier', operator: 'DoesNotExist' as const }, false],
  ])('matchExpressions %j -> %s', (expression, expected) => {
    expect(selects({ matchExpressions: [expression] }, labels)).toBe(expected);
  });

  it('an operator it does not know selects nothing rather than everything', () => {
    expect(selects({ matchExpressions: [{ key: 'team', operator: 'Near' as never }] }, labels)).toBe(false);
  });

  it('lists the policies that select a namespace, by name, leaving out those being deleted', () => {
    const all = [
      policy('z-all', {}),
      policy('a-team', { namespaceSelector: { matchLabels: { team: 'a' } } }),
      policy('b-team', { namespaceSelector: { matchLabels: { team: 'b' } } }),
      { ...policy('gone', {}), metadata: { name: 'gone', deletionTimestamp: '2026-01-01T00:00:00Z' } },
    ];
    expect(selectingPolicies(all, labels).map((p) => p.metadata.name)).toEqual(['a-team', 'z-all']);
  });
});

describe('path prefixes', () => {
  it.each([
    ['/data', '/data', true],
    ['/data/x/y', '/data', true],
    ['/data2', '/data', false],
    ['/dat', '/data', false],
    ['/data/../etc', '/data', false],
    ['/data/./x', '/data', false],
    ['/data//x', '/data', false],
    ['/data/x/', '/data', false],
    ['/etc', '/', true],
    ['/', '/', true],
    ['/data/..x', '/data', true],
    ['data/x', '/data', false],
    ['/data/x', '/data/', false],
  ])('%s under %s: %s', (path, prefix, expected) => {
    expect(underPrefix(path, prefix)).toBe(expected);
  });
});

describe('network names', () => {
  it.each([
    ['backend', 'backend', true],
    ['backend2', 'backend', false],
    ['team-a-web', 'team-a-*', true],
    ['team-b-web', 'team-a-*', false],
    ['anything', '*', true],
  ])('%s against %s: %s', (name, pattern, expected) => {
    expect(networkMatches(name, pattern)).toBe(expected);
  });
});

describe('the built-in default (no policy) allows none of what is gated', () => {
  it('allows a plain container, Docker default capabilities, RuntimeDefault, bridge and none', () => {
    expect(
      refused({
        securityContext: {
          user: '1000:1000',
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'], add: ['CHOWN', 'NET_BIND_SERVICE'] },
          noNewPrivileges: true,
          seccompProfile: { type: 'RuntimeDefault' },
          init: true,
        },
        networkMode: 'none',
        tmpfs: [{ mountPath: '/tmp' }],
        shmSize: '64Mi',
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80' },
        ulimits: [{ name: 'nofile', soft: 1, hard: 2 }],
        pidsLimit: 100,
        ipcMode: 'shareable',
        dns: ['10.0.0.53'],
      }),
    ).toEqual([]);
    expect(refused({ networkMode: 'bridge', networks: [{ name: 'bridge' }] })).toEqual([]);
  });

  it('refuses each gated field, naming it', () => {
    expect(
      refused({
        securityContext: {
          privileged: true,
          capabilities: { add: ['NET_ADMIN'] },
          seccompProfile: { type: 'Unconfined' },
        },
        hostPaths: [{ path: '/srv', mountPath: '/srv', readOnly: true }],
        devices: [{ path: '/dev/fuse' }],
        gpus: { count: 1 },
        networkMode: 'host',
        pidMode: 'host',
        ipcMode: 'host',
      }),
    ).toEqual([
      'spec.securityContext.privileged',
      'spec.securityContext.capabilities.add',
      'spec.securityContext.seccompProfile.type',
      'spec.hostPaths[0].path',
      'spec.devices[0].path',
      'spec.gpus',
      'spec.networkMode',
      'spec.pidMode',
      'spec.ipcMode',
    ]);
    expect(refused({ networks: [{ name: 'backend' }] })).toEqual(['spec.networks[0].name']);
    expect(refused({ networkMode: 'backend' })).toEqual(['spec.networkMode']);
  });
});

describe('one rule at a time, allowed and denied', () => {
  it('privileged', () => {
    const spec = { securityContext: { privileged: true } };
    expect(refused(spec, { privileged: true })).toEqual([]);
    expect(refused(spec, { capabilities: ['ALL'] })).toEqual(['spec.securityContext.privileged']);
  });

  it('capabilities beyond the defaults, each by name or ALL', () => {
    const spec = { securityContext: { capabilities: { add: ['NET_ADMIN', 'SYS_TIME', 'CHOWN'] } } };
    expect(refused(spec, { capabilities: ['NET_ADMIN', 'SYS_TIME'] })).toEqual([]);
    expect(refused(spec, { capabilities: ['ALL'] })).toEqual([]);
    const partly = violations({ ...IMAGE, ...spec }, [{ namespaceSelector: {}, capabilities: ['NET_ADMIN'] }]);
    expect(partly.map((v) => v.value)).toEqual(['SYS_TIME']);
    expect(refused({ securityContext: { capabilities: { add: ['ALL'] } } }, { capabilities: ['NET_ADMIN'] })).toEqual([
      'spec.securityContext.capabilities.add',
    ]);
  });

  it('an Unconfined seccomp profile', () => {
    const spec = { securityContext: { seccompProfile: { type: 'Unconfined' as const } } };
    expect(refused(spec, { unconfinedSeccomp: true })).toEqual([]);
    expect(refused(spec, { privileged: true })).toEqual(['spec.securityContext.seccompProfile.type']);
  });

  it('host paths by prefix, read-write only where the prefix allows it', () => {
    const ro = { hostPaths: [{ path: '/data/app', mountPath: '/app', readOnly: true }] };
    const rw = { hostPaths: [{ path: '/data/app', mountPath: '/app' }] };
    expect(refused(ro, { hostPaths: [{ pathPrefix: '/data' }] })).toEqual([]);
    expect(refused(rw, { hostPaths: [{ pathPrefix: '/data' }] })).toEqual(['spec.hostPaths[0].path']);
    expect(refused(rw, { hostPaths: [{ pathPrefix: '/data', readOnly: false }] })).toEqual([]);
    expect(refused(ro, { hostPaths: [{ pathPrefix: '/dat' }] })).toEqual(['spec.hostPaths[0].path']);
    const sibling = { hostPaths: [{ path: '/data2', mountPath: '/d', readOnly: true }] };
    expect(refused(sibling, { hostPaths: [{ pathPrefix: '/data' }] })).toEqual(['spec.hostPaths[0].path']);
    const climbing = { hostPaths: [{ path: '/data/../etc', mountPath: '/d', readOnly: true }] };
    expect(refused(climbing, { hostPaths: [{ pathPrefix: '/data' }] })).toEqual(['spec.hostPaths[0].path']);
  });

  it('devices by path prefix', () => {
    const spec = { devices: [{ path: '/dev/dri/renderD128' }] };
    expect(refused(spec, { devices: [{ pathPrefix: '/dev/dri' }] })).toEqual([]);
    expect(refused(spec, { devices: [{ pathPrefix: '/dev/dri/card0' }] })).toEqual(['spec.devices[0].path']);
  });

  it('GPUs', () => {
    const spec = { gpus: { count: 'all' } };
    expect(refused(spec, { gpus: true })).toEqual([]);
    expect(refused(spec, { gpus: false, devices: [{ pathPrefix: '/dev' }] })).toEqual(['spec.gpus']);
  });

  it('host namespaces, each on its own', () => {
    expect(refused({ networkMode: 'host' }, { hostNamespaces: ['Network'] })).toEqual([]);
    expect(refused({ pidMode: 'host' }, { hostNamespaces: ['PID'] })).toEqual([]);
    expect(refused({ ipcMode: 'host' }, { hostNamespaces: ['IPC'] })).toEqual([]);
    expect(refused({ networkMode: 'host', pidMode: 'host' }, { hostNamespaces: ['IPC'] })).toEqual([
      'spec.networkMode',
      'spec.pidMode',
    ]);
    expect(refused({ networkMode: 'host' }, { networks: ['*'] })).toEqual(['spec.networkMode']);
  });

  it('networks by name or prefix, for spec.networks and a networkMode that names one', () => {
    const spec = { networks: [{ name: 'backend' }, { name: 'team-a-db' }] };
    expect(refused(spec, { networks: ['backend', 'team-a-*'] })).toEqual([]);
    expect(refused(spec, { networks: ['backend'] })).toEqual(['spec.networks[1].name']);
    expect(refused({ networkMode: 'backend' }, { networks: ['backend'] })).toEqual([]);
    expect(refused({ networkMode: 'frontend' }, { networks: ['backend'] })).toEqual(['spec.networkMode']);
  });
});

describe('several policies', () => {
  const all = [
    policy('gpus', { namespaceSelector: { matchLabels: { tier: 'gpu' } }, gpus: true }),
    policy('data', { namespaceSelector: { matchLabels: { team: 'a' } }, hostPaths: [{ pathPrefix: '/srv/data' }] }),
    policy('other-team', { namespaceSelector: { matchLabels: { team: 'b' } }, privileged: true }),
  ];
  const spec: NativeContainerSpec = {
    ...IMAGE,
    gpus: { count: 1 },
    hostPaths: [{ path: '/srv/data/models', mountPath: '/models', readOnly: true }],
  };

  it('add up: what one allows and what another allows are both allowed', () => {
    const result = evaluate(spec, 'ml', { team: 'a', tier: 'gpu' }, all);
    expect(result).toEqual({ violations: [], policies: ['data', 'gpus'] });
  });

  it('only those that select the namespace count', () => {
    const result = evaluate(spec, 'ml', { team: 'a' }, all);
    expect(result.violations.map((v) => v.field)).toEqual(['spec.gpus']);
    expect(result.message).toBe(
      'Not allowed by the NativeContainerPolicies that select namespace ml (data): spec.gpus (GPUs). ' +
        'A NativeContainerPolicy that selects the namespace would allow it with gpus: true. ' +
        'Nothing is created or changed for it; a container that exists is left as it is.',
    );
    expect(
      evaluate({ ...spec, securityContext: { privileged: true } }, 'ml', { team: 'a', tier: 'gpu' }, all).policies,
    ).toEqual(['data', 'gpus']);
  });

  it('with none selecting the namespace, the message names the built-in default and merges what would allow it', () => {
    const result = evaluate(
      { ...IMAGE, networks: [{ name: 'a' }, { name: 'b' }], securityContext: { privileged: true } },
      'plain',
      {},
      all,
    );
    expect(result.message).toBe(
      'Not allowed by the built-in default policy (no NativeContainerPolicy selects namespace plain): ' +
        'spec.securityContext.privileged (true), spec.networks[0].name (a), spec.networks[1].name (b). ' +
        'A NativeContainerPolicy that selects the namespace would allow it with privileged: true; networks: [a, b]. ' +
        'Nothing is created or changed for it; a container that exists is left as it is.',
    );
  });
});
