import { describe, expect, it } from 'vitest';
import { desiredContainer, normalizeImage } from '../../src/controllers/nativecontainer/desired.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import type { NativeContainerSpec } from '../../src/api/native-container.ts';
import { nativeContainer } from './fixtures.ts';

describe('spec translation', () => {
  it('names the container after namespace and name, which cannot collide', () => {
    expect(desiredContainer(nativeContainer()).config.name).toBe('nc_team-a_web');
  });

  it('labels the container with its owner and its config hash', () => {
    const d = desiredContainer(nativeContainer());
    expect(d.config.labels).toMatchObject({
      [LABELS.ownerUid]: 'uid-1',
      [LABELS.ownerNamespace]: 'team-a',
      [LABELS.ownerName]: 'web',
      [LABELS.configHash]: d.hash,
    });
  });

  it('passes command as entrypoint, args as cmd and env as a map', () => {
    const d = desiredContainer(
      nativeContainer({
        command: ['/bin/sh', '-c'],
        args: ['echo hi'],
        env: [{ name: 'A', value: '1' }, { name: 'B' }],
      }),
    );
    expect(d.config).toMatchObject({ command: ['/bin/sh', '-c'], args: ['echo hi'], env: { A: '1', B: '' } });
  });

  it('leaves the image entrypoint and cmd alone when command and args are absent', () => {
    const d = desiredContainer(nativeContainer());
    expect(d.config.command).toBeUndefined();
    expect(d.config.args).toBeUndefined();
  });

  it('defaults the desired state to Running', () => {
    expect(desiredContainer(nativeContainer()).state).toBe('Running');
  });

  it('gives the same hash whatever the order of env entries', () => {
    const a = desiredContainer(
      nativeContainer({
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      }),
    );
    const b = desiredContainer(
      nativeContainer({
        env: [
          { name: 'B', value: '2' },
          { name: 'A', value: '1' },
        ],
      }),
    );
    expect(a.hash).toBe(b.hash);
  });

  it('changes the hash when image, command, args or env change', () => {
    const base = desiredContainer(nativeContainer()).hash;
    const variants = [
      { image: 'nco-test/busybox:2' },
      { command: ['/bin/true'] },
      { args: ['x'] },
      { env: [{ name: 'A', value: '1' }] },
    ];
    for (const v of variants) expect(desiredContainer(nativeContainer(v)).hash).not.toBe(base);
  });

  it('does not change the hash when only the desired state changes: stopping is not a rebuild', () => {
    expect(desiredContainer(nativeContainer({ state: 'Stopped' })).hash).toBe(desiredContainer(nativeContainer()).hash);
  });

  it('changes the hash for every field that needs a new container', () => {
    const base = desiredContainer(nativeContainer()).hash;
    const variants: Partial<NativeContainerSpec>[] = [
      { tty: true },
      { stdin: true },
      { workingDir: '/srv' },
      { hostname: 'web-1' },
      { labels: { team: 'a' } },
      { volumes: [{ name: 'data', mountPath: '/data' }] },
      { ports: [{ containerPort: 80 }] },
      { healthcheck: { command: ['true'] } },
      { logging: { maxSize: '20m' } },
      { stopSignal: 'SIGINT' },
      { rebuildRequest: 'r1' },
      { resources: { cpu: '1' } },
      { resources: { memory: '64Mi' } },
    ];
    const hashes = variants.map((v) => desiredContainer(nativeContainer(v)).hash);
    expect(hashes).not.toContain(base);
    expect(new Set(hashes).size).toBe(variants.length);
  });

  it('keeps the hash for fields Docker changes in place or the operator applies itself', () => {
    const base = desiredContainer(nativeContainer({ resources: { cpu: '1', memory: '64Mi' } })).hash;
    const variants: Partial<NativeContainerSpec>[] = [
      { resources: { cpu: '2', memory: '128Mi' } },
      { resources: { cpu: 1, memory: '64Mi' }, restartPolicy: 'Never' },
      { resources: { cpu: '1', memory: '64Mi' }, restartRequest: 'r1', description: 'new text' },
      { resources: { cpu: '1', memory: '64Mi' }, stopTimeoutSeconds: 60, imagePullPolicy: 'Always', state: 'Paused' },
    ];
    for (const v of variants) expect(desiredContainer(nativeContainer(v)).hash).toBe(base);
  });

  it('gives the same hash whether defaults were filled in by the API server or not', () => {
    const defaulted = nativeContainer({
      tty: false,
      stdin: false,
      restartPolicy: 'Always',
      state: 'Running',
      stopTimeoutSeconds: 10,
      logging: { driver: 'local', maxSize: '10m', maxFiles: 1 },
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      healthcheck: { command: ['true'], intervalSeconds: 30, timeoutSeconds: 30, retries: 3, startPeriodSeconds: 0 },
    });
    const bare = nativeContainer({ ports: [{ containerPort: 80 }], healthcheck: { command: ['true'] } });
    expect(desiredContainer(defaulted).hash).toBe(desiredContainer(bare).hash);
  });

  it('uses resolved env values, so a changed Secret value rebuilds', () => {
    const nc = nativeContainer({ env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] });
    const a = desiredContainer(nc, { PW: 'one' });
    const b = desiredContainer(nc, { PW: 'two' });
    expect(a.config.env).toEqual({ PW: 'one' });
    expect(a.hash).not.toBe(b.hash);
  });

  it('translates every field into the Docker configuration', () => {
    const d = desiredContainer(
      nativeContainer({
        tty: true,
        stdin: true,
        workingDir: '/srv',
        hostname: 'web-1.example',
        labels: { team: 'a' },
        description: 'the web server',
        resources: { cpu: '1.5', memory: '256Mi' },
        volumes: [{ name: 'data', mountPath: '/data', readOnly: true, autoDelete: false }],
        ports: [
          { containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' },
          { containerPort: 53, protocol: 'UDP' },
        ],
        restartPolicy: 'OnFailure',
        maxRetries: 4,
        healthcheck: { command: ['test', '-f', '/ok'], intervalSeconds: 5, retries: 2 },
        stopSignal: 'SIGINT',
        stopTimeoutSeconds: 20,
        logging: { driver: 'json-file', maxSize: '5m', maxFiles: 3 },
      }),
    );
    expect(d.config).toMatchObject({
      tty: true,
      openStdin: true,
      workingDir: '/srv',
      hostname: 'web-1.example',
      mounts: [{ volume: 'nc_team-a_web_data', target: '/data', readOnly: true }],
      ports: [
        { containerPort: 80, protocol: 'tcp', hostPort: 8080, hostIP: '127.0.0.1' },
        { containerPort: 53, protocol: 'udp' },
      ],
      resources: { nanoCpus: 1_500_000_000, memoryBytes: 268435456 },
      restartPolicy: { name: 'on-failure', maximumRetryCount: 4 },
      healthcheck: {
        command: ['test', '-f', '/ok'],
        intervalSeconds: 5,
        timeoutSeconds: 30,
        retries: 2,
        startPeriodSeconds: 0,
      },
      stopSignal: 'SIGINT',
      stopTimeoutSeconds: 20,
      log: { type: 'json-file', config: { 'max-size': '5m', 'max-file': '3' } },
    });
    expect(d.config.labels).toMatchObject({ team: 'a', [LABELS.description]: 'the web server' });
    expect(d.volumes).toEqual([
      {
        name: 'nc_team-a_web_data',
        specName: 'data',
        autoDelete: false,
        labels: expect.objectContaining({ [LABELS.autoDelete]: 'false', [LABELS.volume]: 'data' }) as unknown,
      },
    ]);
    expect(d.exit).toEqual({ policy: 'OnFailure', maxRetries: 4, byOperator: false });
  });

  it('gives a container that may move Docker restart policy no: the operator restarts it, on hosts it reaches', () => {
    const d = desiredContainer(
      nativeContainer({ restartPolicy: 'OnFailure', maxRetries: 4, placement: { rescheduleAfterSeconds: 30 } }),
    );
    expect(d.config.restartPolicy).toEqual({ name: 'no', maximumRetryCount: 0 });
    expect(d.exit).toEqual({ policy: 'OnFailure', maxRetries: 4, byOperator: true });
    // Not part of the hash: opting in or out changes the policy in place.
    expect(d.hash).toBe(desiredContainer(nativeContainer({ restartPolicy: 'OnFailure', maxRetries: 4 })).hash);
  });

  it('defaults logging to one rotated local file of 10 MB, as JD Cloud does', () => {
    expect(desiredContainer(nativeContainer()).config.log).toEqual({
      type: 'local',
      config: { 'max-size': '10m', 'max-file': '1', compress: 'false' },
    });
  });

  it.each([
    ['nco-test/busybox:1', 'IfNotPresent'],
    ['nco-test/busybox', 'Always'],
    ['nco-test/busybox:latest', 'Always'],
    ['registry.local:5000/app@sha256:0123456789abcdef0123456789abcdef', 'IfNotPresent'],
  ])('defaults the pull policy of %s to %s, as Kubernetes does', (image, policy) => {
    expect(desiredContainer(nativeContainer({ image })).pullPolicy).toBe(policy);
  });

  it('takes an explicit pull policy over the default', () => {
    expect(desiredContainer(nativeContainer({ image: 'a', imagePullPolicy: 'Never' })).pullPolicy).toBe('Never');
  });

  it.each([
    ['nginx', 'nginx:latest'],
    ['nginx:1.27', 'nginx:1.27'],
    ['mysql/mysql-server', 'mysql/mysql-server:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['app@sha256:0123', 'app@sha256:0123'],
  ])('normalizes image %s to %s', (input, out) => {
    expect(normalizeImage(input)).toBe(out);
  });
});
