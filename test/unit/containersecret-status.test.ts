import { describe, expect, it } from 'vitest';
import type { ContainerSecret } from '../../src/api/container-secret.ts';
import { computeSecretStatus } from '../../src/controllers/containersecret/status.ts';

const now = new Date('2026-11-22T10:00:00Z');
const later = new Date('2026-11-22T11:00:00Z');
const csec = (status?: ContainerSecret['status']): ContainerSecret => ({
  metadata: { name: 'reg', namespace: 'a', generation: 3 },
  spec: { server: 'r.io', dockerConfigSecretRef: { name: 'd' } },
  ...(status ? { status } : {}),
});
const find = (s: ContainerSecret['status'], type: string) => s?.conditions?.find((c) => c.type === type);

describe('ContainerSecret status', () => {
  it('is Ready with reason Verified when the registry accepts the credentials', () => {
    const s = computeSecretStatus(csec(), { reason: 'Verified', message: 'ok' }, now);
    expect(find(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Verified', observedGeneration: 3 });
    expect(s).toMatchObject({ observedGeneration: 3, lastVerifiedTime: now.toISOString() });
  });

  it.each(['AuthFailed', 'SecretNotFound', 'InvalidSecret'] as const)(
    'is Stalled on %s, waiting for a change',
    (reason) => {
      const s = computeSecretStatus(csec(), { reason, message: 'm' }, now);
      expect(find(s, 'Ready')).toMatchObject({ status: 'False', reason });
      expect(find(s, 'Stalled')).toMatchObject({ status: 'True', reason });
      expect(find(s, 'Reconciling')?.status).toBe('False');
    },
  );

  it('keeps trying while the registry is unreachable', () => {
    const s = computeSecretStatus(csec(), { reason: 'RegistryUnreachable', message: 'dial tcp' }, now);
    expect(find(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'RegistryUnreachable' });
    expect(find(s, 'Stalled')?.status).toBe('False');
  });

  it('writes nothing new when a periodic re-check verifies again', () => {
    const first = computeSecretStatus(csec(), { reason: 'Verified', message: 'ok' }, now);
    const again = computeSecretStatus(csec(first), { reason: 'Verified', message: 'ok' }, later);
    expect(again).toEqual(first);
  });
});
