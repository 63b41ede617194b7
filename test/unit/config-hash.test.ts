// The config hash decides when a container is recreated. A change of what it covers, or of how
// it is computed, recreates every container of every user at the next upgrade (it happened once):
// these values were computed by the released operator and must not change by accident. If a change
// of the hash is intended, say so in the release notes and change them here.
import { describe, expect, it } from 'vitest';
import type { NativeContainerSpec } from '../../src/api/native-container.ts';
import { desiredContainer } from '../../src/controllers/nativecontainer/desired.ts';
import { nativeContainer } from './fixtures.ts';

const full: NativeContainerSpec = {
  image: 'registry.example.com:5000/team/app:2.1',
  imagePullPolicy: 'IfNotPresent',
  command: ['/bin/sh', '-c'],
  args: ['exec server --port 8080'],
  tty: true,
  stdin: true,
  workingDir: '/srv',
  env: [
    { name: 'B', value: '2' },
    { name: 'A', value: '1' },
  ],
  hostname: 'app-1',
  labels: { team: 'a' },
  description: 'the app',
  resources: { cpu: '500m', memory: '256Mi' },
  volumes: [
    { name: 'data', mountPath: '/data' },
    { name: 'cache', mountPath: '/cache', readOnly: true, autoDelete: false },
  ],
  ports: [
    { containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' },
    { containerPort: 53, protocol: 'UDP' },
  ],
  restartPolicy: 'OnFailure',
  maxRetries: 3,
  healthcheck: { command: ['/bin/true'], intervalSeconds: 5, retries: 2 },
  state: 'Running',
  stopTimeoutSeconds: 20,
  stopSignal: 'SIGINT',
  logging: { driver: 'json-file', maxSize: '20m', maxFiles: 3 },
  restartRequest: 'r1',
  rebuildRequest: 'b1',
};

const hash = (spec: NativeContainerSpec, meta = {}): string =>
  desiredContainer(nativeContainer(spec, { name: 'web', namespace: 'team-a', uid: 'u1', ...meta })).hash;

describe('the config hash of a fixed spec', () => {
  it('is the one the released operator computed for a minimal spec', () => {
    expect(hash({ image: 'busybox:1.37' })).toBe('054cc49e7bc6b198');
  });

  it('is the one the released operator computed for a spec using every field', () => {
    expect(hash(full)).toBe('7804853a66f2f993');
  });

  it('does not depend on the host, the UID or what changes in place', () => {
    const base = hash(full);
    expect(
      desiredContainer(nativeContainer(full, { name: 'web', namespace: 'team-a', uid: 'u1' }), undefined, 'other').hash,
    ).toBe(base);
    expect(hash(full, { uid: 'u2' })).toBe(base);
    expect(
      hash({
        ...full,
        resources: { cpu: '2', memory: '1Gi' },
        restartPolicy: 'Always',
        maxRetries: undefined,
        state: 'Stopped',
        stopTimeoutSeconds: 1,
        restartRequest: 'r2',
        description: 'new',
      }),
    ).toBe(base);
  });
});
