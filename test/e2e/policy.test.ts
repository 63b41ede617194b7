// NativeContainerPolicies on a real API server and Docker daemon. Each rule, allowed and
// denied, first at admission (kubectl apply is refused with a message that names the field and
// the policy), then with the admission policy removed, where the operator refuses it itself
// (Stalled, reason PolicyViolation, no container) and leaves an existing container alone when a
// policy is taken away. Namespaces selected and not, two policies adding up, and references
// (env.valueFrom, secretRef) that never resolve in another namespace.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer, NativeContainerSpec } from '../../src/api/native-container.ts';
import type { NativeContainerPolicy } from '../../src/api/policy.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { ADMISSION_POLICY_NAME } from '../../src/policy/admission.ts';
import { cleanupSteps } from './cleanup.ts';
import {
  applyAdmitted,
  applyPolicies,
  condition,
  execIn,
  kubectlApply,
  ncPolicy,
  refusedAtAdmission,
  sleeper,
  waitFor,
  waitForReason,
} from './helpers.ts';
import { containersOf, createNamespace, docker, getJson, kubectl, startOperator } from './support.ts';

const ID = Date.now().toString(36);
const NET = `policy-${ID}-net`;
const NET_MODE = `policy-${ID}-mode`;
const HOST_DIR = mkdtempSync(join(tmpdir(), 'nco-policy-'));
mkdirSync(join(HOST_DIR, 'rw'));

interface Rule {
  name: string;
  /** The field the refusal names. */
  field: string;
  spec: Partial<NativeContainerSpec>;
  /** Which of the two policies grants it: they add up in the namespace both select. */
  policy: 'a' | 'b';
  grant: Partial<NativeContainerPolicy['spec']>;
  /** False: it cannot start on this machine (no GPU; not every capability for privileged). */
  runs?: boolean;
}

const RULES: Rule[] = [
  {
    name: 'privileged',
    field: 'spec.securityContext.privileged',
    spec: { securityContext: { privileged: true } },
    policy: 'a',
    grant: { privileged: true },
    runs: false,
  },
  {
    name: 'capability',
    field: 'spec.securityContext.capabilities.add',
    spec: { securityContext: { capabilities: { add: ['NET_ADMIN'] } } },
    policy: 'a',
    grant: { capabilities: ['NET_ADMIN'] },
  },
  {
    name: 'seccomp',
    field: 'spec.securityContext.seccompProfile.type',
    spec: { securityContext: { seccompProfile: { type: 'Unconfined' } } },
    policy: 'a',
    grant: { unconfinedSeccomp: true },
  },
  {
    name: 'hostpath-ro',
    field: 'spec.hostPaths',
    spec: { hostPaths: [{ path: HOST_DIR, mountPath: '/host', readOnly: true }] },
    policy: 'a',
    grant: { hostPaths: [{ pathPrefix: HOST_DIR, readOnly: true }] },
  },
  {
    name: 'hostpath-rw',
    field: 'spec.hostPaths',
    spec: { hostPaths: [{ path: `${HOST_DIR}/rw`, mountPath: '/host' }] },
    policy: 'b',
    grant: { hostPaths: [{ pathPrefix: `${HOST_DIR}/rw`, readOnly: false }] },
  },
  {
    name: 'device',
    field: 'spec.devices',
    spec: { devices: [{ path: '/dev/zero' }] },
    policy: 'a',
    grant: { devices: [{ pathPrefix: '/dev/zero' }] },
  },
  { name: 'gpus', field: 'spec.gpus', spec: { gpus: { count: 1 } }, policy: 'b', grant: { gpus: true }, runs: false },
  {
    name: 'host-network',
    field: 'spec.networkMode',
    spec: { networkMode: 'host' },
    policy: 'b',
    grant: { hostNamespaces: ['Network'] },
  },
  {
    name: 'host-pid',
    field: 'spec.pidMode',
    spec: { pidMode: 'host' },
    policy: 'b',
    grant: { hostNamespaces: ['PID'] },
  },
  {
    name: 'host-ipc',
    field: 'spec.ipcMode',
    spec: { ipcMode: 'host' },
    policy: 'b',
    grant: { hostNamespaces: ['IPC'] },
  },
  {
    name: 'network',
    field: 'spec.networks',
    spec: { networks: [{ name: NET, create: true, internal: true }] },
    policy: 'b',
    grant: { networks: [NET] },
  },
  {
    name: 'network-mode',
    field: 'spec.networkMode',
    spec: { networkMode: NET_MODE, networks: [{ name: NET_MODE, create: true, internal: true }] },
    policy: 'a',
    grant: { networks: [`policy-${ID}-mo*`] },
  },
];

/** The two policies: each grants its half of the rules; both select `both`, only a selects `onlyA`. */
function policies(): Record<string, unknown>[] {
  const grants = (which: 'a' | 'b'): Record<string, unknown> => {
    const merged: Record<string, unknown[] | boolean> = {};
    for (const r of RULES.filter((x) => x.policy === which)) {
      for (const [k, v] of Object.entries(r.grant)) {
        merged[k] = Array.isArray(v) ? [...((merged[k] as unknown[] | undefined) ?? []), ...v] : (v as boolean);
      }
    }
    return merged;
  };
  return [
    ncPolicy(`policy-${ID}-a`, { namespaceSelector: { matchLabels: { [`policy-${ID}-a`]: 'yes' } }, ...grants('a') }),
    ncPolicy(`policy-${ID}-b`, {
      namespaceSelector: { matchExpressions: [{ key: `policy-${ID}-b`, operator: 'Exists' }] },
      ...grants('b'),
    }),
  ];
}

const nc = (rule: Rule): Record<string, unknown> => sleeper(`rule-${rule.name}`, rule.spec);

describe('NativeContainerPolicies', () => {
  let operator: ProcessHandle | undefined;
  let both: string;
  let onlyA: string;
  let none: string;

  beforeAll(async () => {
    [both, onlyA, none] = [
      await createNamespace('pol-both'),
      await createNamespace('pol-a'),
      await createNamespace('pol-none'),
    ];
    await kubectl(['label', 'namespace', both, `policy-${ID}-a=yes`, `policy-${ID}-b=`]);
    await kubectl(['label', 'namespace', onlyA, `policy-${ID}-a=yes`]);
    operator = startOperator('policy-admission');
    await applyPolicies(policies(), operator);
  });

  afterAll(async () => {
    await cleanupSteps([
      () => kubectl(['delete', 'nc', '--all', '-n', both, '--timeout=60s'], { allowFail: true }),
      () => kubectl(['delete', 'nc', '--all', '-n', onlyA, '--timeout=60s'], { allowFail: true }),
      () => kubectl(['delete', 'nc', '--all', '-n', none, '--timeout=60s'], { allowFail: true }),
      () => kubectl(['delete', 'ncpol', `policy-${ID}-a`, `policy-${ID}-b`, '--ignore-not-found']),
      () => operator?.stop(),
      async () => {
        for (const n of await docker().listNetworks({ filters: { name: [`policy-${ID}`] } })) {
          await docker()
            .getNetwork(n.Id)
            .remove()
            .catch(() => undefined);
        }
      },
      () => Promise.resolve(rmSync(HOST_DIR, { recursive: true, force: true })),
    ]);
  });

  describe('at admission', () => {
    it('reports each policy enforced at admission', async () => {
      for (const p of policies()) {
        const name = (p['metadata'] as { name: string }).name;
        const got = await getJson<NativeContainerPolicy>(['get', 'ncpol', name]);
        expect(condition(got, 'Ready')).toMatchObject({ status: 'True', reason: 'Enforced' });
      }
      const vap = await getJson<{ metadata: { annotations: Record<string, string> } }>([
        'get',
        'validatingadmissionpolicy',
        ADMISSION_POLICY_NAME,
      ]);
      expect(vap.metadata.annotations['nativecontainer.io/policies']).toContain(`policy-${ID}-a@1`);
    });

    it.each(RULES)(
      '$name: refused where no policy selects the namespace, naming the field and the default',
      async (rule) => {
        const refusal = await refusedAtAdmission(none, nc(rule));
        expect(refusal.startsWith(`${rule.field}: `)).toBe(true);
        expect(refusal).toContain(`the built-in default policy (no NativeContainerPolicy selects namespace ${none})`);
      },
    );

    it.each(RULES)('$name: admitted where its policy selects the namespace', async (rule) => {
      await applyAdmitted(rule.policy === 'a' ? onlyA : both, nc(rule), true);
    });

    it.each(RULES.filter((r) => r.policy === 'b'))(
      '$name: refused where only the other policy selects the namespace, naming that policy',
      async (rule) => {
        const refusal = await refusedAtAdmission(onlyA, nc(rule));
        expect(refusal).toContain(`the NativeContainerPolicies that select namespace ${onlyA} (policy-${ID}-a)`);
        expect(refusal).toContain('A NativeContainerPolicy that selects the namespace allows it with');
      },
    );

    it('adds up two policies: what needs both is admitted where both select the namespace', async () => {
      const needsBoth = sleeper('needs-both', {
        securityContext: { capabilities: { add: ['NET_ADMIN'] } },
        pidMode: 'host',
      });
      await applyAdmitted(both, needsBoth, true);
      expect(await refusedAtAdmission(onlyA, needsBoth)).toMatch(/^spec\.pidMode: host is not allowed/);
    });

    it('still lets the operator remove the finalizer of a resource a policy no longer allows', async () => {
      const rule = RULES.find((r) => r.name === 'capability')!;
      await applyAdmitted(onlyA, sleeper('revoked', rule.spec));
      await waitForReason<NativeContainer>(['-n', onlyA, 'nc', 'revoked'], 'Ready', 'Running', operator);
      await kubectl(['label', 'namespace', onlyA, `policy-${ID}-a-`]);
      await waitForReason<NativeContainer>(['-n', onlyA, 'nc', 'revoked'], 'Stalled', 'PolicyViolation', operator);
      await kubectl(['delete', '-n', onlyA, 'nc/revoked', '--timeout=60s']);
      expect(await containersOf(onlyA, 'revoked')).toEqual([]);
      await kubectl(['label', 'namespace', onlyA, `policy-${ID}-a=yes`]);
    });
  });

  describe('with the admission policy removed, in the operator', () => {
    beforeAll(async () => {
      await operator?.stop();
      await kubectl(['delete', 'validatingadmissionpolicybinding', ADMISSION_POLICY_NAME, '--ignore-not-found']);
      await kubectl(['delete', 'validatingadmissionpolicy', ADMISSION_POLICY_NAME, '--ignore-not-found']);
      operator = startOperator('policy-operator', { NCO_ADMISSION_POLICY: 'false' });
      for (const p of policies()) {
        const name = (p['metadata'] as { name: string }).name;
        await waitForReason<NativeContainerPolicy>(['ncpol', name], 'Ready', 'EnforcedByOperator', operator);
      }
    });

    it('leaves the admission policy alone when told not to manage it', async () => {
      const vap = await kubectl(['get', 'validatingadmissionpolicy', ADMISSION_POLICY_NAME], { allowFail: true });
      expect(vap.stderr).toContain('NotFound');
    });

    it.each(RULES)('$name: Stalled with PolicyViolation and no container where no policy allows it', async (rule) => {
      // The API server may hold the deleted admission policy for a moment: apply until admitted.
      await applyAdmitted(none, nc(rule));
      const got = await waitForReason<NativeContainer>(
        ['-n', none, 'nc', `rule-${rule.name}`],
        'Stalled',
        'PolicyViolation',
        operator,
      );
      const stalled = condition(got, 'Stalled')!;
      expect(stalled.status).toBe('True');
      expect(stalled.message).toContain(rule.field);
      expect(stalled.message).toContain(
        `the built-in default policy (no NativeContainerPolicy selects namespace ${none})`,
      );
      expect(stalled.message).toContain('would allow it with');
      expect(condition(got, 'Ready')?.status).toBe('False');
      expect(await containersOf(none, `rule-${rule.name}`)).toEqual([]);
    });

    it.each(RULES)(
      '$name: allowed where its policy selects the namespace, and runs where this machine can',
      async (rule) => {
        const ns = rule.policy === 'a' ? onlyA : both;
        await kubectlApply(ns, nc(rule));
        const name = `rule-${rule.name}`;
        if (rule.runs === false) {
          // Created, then refused a start by Docker on this machine: not by the policy.
          await waitFor<NativeContainer>(
            `${name} created`,
            ['-n', ns, 'nc', name],
            (o) => o.status?.containerID !== undefined,
            operator,
          );
          const got = await getJson<NativeContainer>(['get', '-n', ns, 'nc', name]);
          expect(condition(got, 'Stalled')?.reason).not.toBe('PolicyViolation');
          return;
        }
        await waitForReason<NativeContainer>(['-n', ns, 'nc', name], 'Ready', 'Running', operator);
        expect(await containersOf(ns, name)).toHaveLength(1);
      },
    );

    it('leaves a running container untouched when a policy is taken away, and carries on when it is back', async () => {
      const name = 'rule-capability';
      const [before] = await containersOf(onlyA, name);
      await kubectl(['delete', 'ncpol', `policy-${ID}-a`]);
      const got = await waitForReason<NativeContainer>(
        ['-n', onlyA, 'nc', name],
        'Stalled',
        'PolicyViolation',
        operator,
      );
      expect(condition(got, 'Stalled')?.message).toContain('spec.securityContext.capabilities.add (NET_ADMIN)');
      const [after, ...others] = await containersOf(onlyA, name);
      expect(others).toEqual([]);
      expect([after?.Id, after?.State]).toEqual([before?.Id, 'running']);
      expect(await execIn(after!.Id, ['true'])).toBe('');

      await applyPolicies([policies()[0]!], operator);
      await waitForReason<NativeContainer>(['-n', onlyA, 'nc', name], 'Ready', 'Running', operator);
      expect((await containersOf(onlyA, name))[0]?.Id).toBe(before?.Id);
    });

    it('follows the labels of the namespace: unlabelled, its resources are refused', async () => {
      const name = 'rule-host-pid';
      await kubectl(['label', 'namespace', both, `policy-${ID}-b-`]);
      await waitForReason<NativeContainer>(['-n', both, 'nc', name], 'Stalled', 'PolicyViolation', operator);
      await kubectl(['label', 'namespace', both, `policy-${ID}-b=`]);
      await waitForReason<NativeContainer>(['-n', both, 'nc', name], 'Ready', 'Running', operator);
    });
  });

  describe('references never leave the namespace', () => {
    let mine: string;
    let theirs: string;

    beforeAll(async () => {
      [mine, theirs] = [await createNamespace('refs-mine'), await createNamespace('refs-theirs')];
      await kubectlApply(theirs, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shared' },
        stringData: { token: 'from-theirs', password: 'theirs' },
      });
      await kubectlApply(theirs, {
        apiVersion: 'nativecontainer.io/v1alpha1',
        kind: 'ContainerSecret',
        metadata: { name: 'creds' },
        spec: { server: 'registry.example.com', username: 'u', passwordSecretRef: { name: 'shared', key: 'password' } },
      });
    });

    afterAll(async () => {
      // Nothing of this block may keep later files' operators busy (a registry that never answers).
      await kubectl(['delete', 'nc', '--all', '-n', mine, '--timeout=60s'], { allowFail: true });
      await kubectl(['delete', 'namespace', mine, theirs, '--wait=false'], { allowFail: true });
    });

    it('does not take env from a Secret of the same name in another namespace', async () => {
      await kubectlApply(
        mine,
        sleeper('env-ref', { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'shared', key: 'token' } } }] }),
      );
      const got = await waitForReason<NativeContainer>(
        ['-n', mine, 'nc', 'env-ref'],
        'Stalled',
        'SecretNotFound',
        operator,
      );
      expect(condition(got, 'Stalled')?.message).toBe('env TOKEN: Secret shared not found.');
      expect(await containersOf(mine, 'env-ref')).toEqual([]);

      await kubectlApply(mine, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shared' },
        stringData: { token: 'from-mine' },
      });
      await waitForReason<NativeContainer>(['-n', mine, 'nc', 'env-ref'], 'Ready', 'Running', operator);
      const [c] = await containersOf(mine, 'env-ref');
      const env = (await docker().getContainer(c!.Id).inspect()).Config.Env;
      expect(env).toContain('TOKEN=from-mine');
      expect(env.join('\n')).not.toContain('from-theirs');
    });

    it('does not use a ContainerSecret of the same name in another namespace', async () => {
      await kubectlApply(
        mine,
        sleeper('csec-ref', { image: 'registry.example.com/app:1', secretRef: { name: 'creds' } }),
      );
      const got = await waitForReason<NativeContainer>(
        ['-n', mine, 'nc', 'csec-ref'],
        'Stalled',
        'SecretNotFound',
        operator,
      );
      expect(condition(got, 'Stalled')?.message).toBe(`ContainerSecret creds not found in namespace ${mine}.`);
      expect(await containersOf(mine, 'csec-ref')).toEqual([]);
    });

    it('has no field to name another namespace: kubectl apply refuses one', async () => {
      const res = await kubectl(['apply', '-n', mine, '-f', '-'], {
        input: JSON.stringify(
          sleeper('ns-field', {
            env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'shared', key: 'token', namespace: theirs } } }],
          }),
        ),
        allowFail: true,
      });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('unknown field "spec.env[0].valueFrom.secretKeyRef.namespace"');
    });
  });
});
