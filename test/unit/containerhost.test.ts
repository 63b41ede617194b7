// A ContainerHost's status from what its engine said (pure), when the engine is asked again, and
// how its Secret becomes the options of a connection (TLS files, an SSH key and known_hosts)
// without touching the disk.
import { describe, expect, it, vi } from 'vitest';
import type { ContainerHost } from '../../src/api/container-host.ts';
import type { Secret } from '../../src/api/core.ts';
import { validateContainerHost } from '../../src/api/validate.ts';
import { dockerOptions } from '../../src/backend/docker-host.ts';
import { unsupportedVersion } from '../../src/backend/engines.ts';
import type { EngineHost } from '../../src/backend/hosts.ts';
import {
  connectionOptions,
  ConnectionError,
  type SecretLookup,
} from '../../src/controllers/containerhost/connection.ts';
import { EngineInfos } from '../../src/controllers/containerhost/engine-infos.ts';
import { computeHostStatus, human, type HostObservation } from '../../src/controllers/containerhost/status.ts';

const GiB = 1024 ** 3;
const NOW = new Date('2026-11-30T08:00:00Z');

function ch(spec: Partial<ContainerHost['spec']> = {}, status?: ContainerHost['status']): ContainerHost {
  return {
    metadata: { name: 'h1', generation: 3 },
    spec: { endpoint: 'tcp://10.231.0.2:2376', ...spec },
    ...(status ? { status } : {}),
  };
}

function observed(over: Partial<HostObservation> = {}): HostObservation {
  return {
    ch: ch(),
    info: { engine: 'Docker', version: '20.10.24', apiVersion: '1.41', cpus: 4, memoryBytes: 8 * GiB },
    allocated: { milliCpu: 1500, memoryBytes: 512 * 1024 ** 2 },
    containers: 2,
    now: NOW,
    heartbeatMs: 10_000,
    ...over,
  };
}

describe('ContainerHost status', () => {
  it('is Ready with the engine, its version, capacity, allocated and a heartbeat when the engine answers', () => {
    const s = computeHostStatus(observed());
    expect(s).toMatchObject({
      observedGeneration: 3,
      engine: 'Docker',
      version: '20.10.24',
      capacity: { cpu: '4000m', memory: String(8 * GiB) },
      allocatable: { cpu: '4000m', memory: String(8 * GiB) },
      allocated: { cpu: '1500m', memory: String(512 * 1024 ** 2) },
      cpu: '1.5/4',
      memory: '512Mi/8Gi',
      containers: 2,
      lastHeartbeat: '2026-11-30T08:00:00Z',
    });
    expect(s.conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Connected',
        message: 'Docker 20.10.24 answers at tcp://10.231.0.2:2376.',
        observedGeneration: 3,
        lastTransitionTime: NOW.toISOString(),
      },
    ]);
  });

  it('takes spec.capacity over what the engine says and holds back spec.reserved', () => {
    const s = computeHostStatus(
      observed({ ch: ch({ capacity: { cpu: 2 }, reserved: { cpu: '500m', memory: '1Gi' } }) }),
    );
    expect(s.capacity).toEqual({ cpu: '2000m', memory: String(8 * GiB) });
    expect(s.allocatable).toEqual({ cpu: '1500m', memory: String(7 * GiB) });
    expect(s.cpu).toBe('1.5/1.5');
  });

  it('is not Ready with the reason and message when the engine does not answer, and keeps what it knew', () => {
    const before = computeHostStatus(observed());
    const s = computeHostStatus(
      observed({
        ch: ch({}, before),
        info: undefined,
        problem: { reason: 'Untrusted', message: 'certificate signed by unknown authority' },
        now: new Date(NOW.getTime() + 60_000),
      }),
    );
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'Untrusted' });
    expect(s).toMatchObject({ engine: 'Docker', version: '20.10.24', lastHeartbeat: before.lastHeartbeat });
    expect(s.capacity).toEqual(before.capacity);
  });

  it('writes the heartbeat at most once per interval, so an idle host is not rewritten every check', () => {
    const before = computeHostStatus(observed());
    expect(computeHostStatus(observed({ ch: ch({}, before), now: new Date(NOW.getTime() + 5_000) }))).toEqual(before);
    const later = computeHostStatus(observed({ ch: ch({}, before), now: new Date(NOW.getTime() + 10_000) }));
    expect(later.lastHeartbeat).toBe('2026-11-30T08:00:10Z');
  });

  it('writes as the heartbeat when the engine answered, not when a kept answer was used', () => {
    const before = computeHostStatus(observed());
    const kept = computeHostStatus(
      observed({
        ch: ch({}, before),
        now: new Date(NOW.getTime() + 15_000),
        answeredAt: new Date(NOW.getTime() + 12_000),
      }),
    );
    expect(kept.lastHeartbeat).toBe('2026-11-30T08:00:12Z');
  });

  it('refuses an engine API older than the operator speaks (VersionUnsupported)', () => {
    const s = computeHostStatus(
      observed({ info: { engine: 'Docker', version: '18.09', apiVersion: '1.39', cpus: 1, memoryBytes: GiB } }),
    );
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'VersionUnsupported' });
    expect(unsupportedVersion('Podman', '1.40')).toBeUndefined();
    expect(unsupportedVersion('Docker', '1.43')).toBeUndefined();
  });

  it.each([
    [0, '0'],
    [512 * 1024 ** 2, '512Mi'],
    [7.5 * GiB, '7.5Gi'],
  ])('prints %d bytes as %s', (bytes, text) => {
    expect(human(bytes)).toBe(text);
  });
});

describe('asking a host engine what it is (EngineInfos)', () => {
  const INFO = { engine: 'Docker', version: '27.0.1', apiVersion: '1.46', cpus: 4, memoryBytes: 8 * GiB };

  function engineHost(name = 'h1', engineInfo = vi.fn(() => Promise.resolve(INFO))) {
    return { host: { name, backend: { engineInfo } } as unknown as EngineHost, engineInfo };
  }

  it('asks once per heartbeat, however often the host is reconciled in between', async () => {
    const infos = new EngineInfos(10_000);
    const { host, engineInfo } = engineHost();
    expect(await infos.of(host, 1_000)).toEqual({ info: INFO, at: 1_000 });
    for (const now of [2_000, 5_000, 10_999]) expect((await infos.of(host, now)).at).toBe(1_000);
    expect(engineInfo).toHaveBeenCalledTimes(1);
    expect((await infos.of(host, 11_000)).at).toBe(11_000);
    expect(engineInfo).toHaveBeenCalledTimes(2);
  });

  it('asks again once the reflector found or lost the engine, or the host was connected anew', async () => {
    const infos = new EngineInfos(10_000);
    const { host, engineInfo } = engineHost();
    await infos.of(host, 0);
    infos.forget('h1');
    await infos.of(host, 1);
    expect(engineInfo).toHaveBeenCalledTimes(2);
    const again = engineHost();
    await infos.of(again.host, 2);
    expect(again.engineInfo).toHaveBeenCalledTimes(1);
    expect(engineInfo).toHaveBeenCalledTimes(2);
  });

  it('keeps no failed answer, nor one asked for before a forget', async () => {
    const infos = new EngineInfos(10_000);
    const failing = engineHost(
      'h1',
      vi.fn(() => Promise.reject(new Error('connection refused'))),
    );
    await expect(infos.of(failing.host, 0)).rejects.toThrow('connection refused');
    await expect(infos.of(failing.host, 1)).rejects.toThrow('connection refused');
    expect(failing.engineInfo).toHaveBeenCalledTimes(2);

    const { host, engineInfo } = engineHost('h2');
    const inFlight = infos.of(host, 0);
    infos.forget('h2');
    await inFlight;
    await infos.of(host, 1);
    expect(engineInfo).toHaveBeenCalledTimes(2);
  });
});

describe('a ContainerHost connection from its Secret', () => {
  const secret: Secret = {
    metadata: { name: 'h1-tls', namespace: 'nco' },
    data: Object.fromEntries(
      ['ca.pem', 'cert.pem', 'key.pem'].map((k) => [k, Buffer.from(`${k}-bytes`).toString('base64')]),
    ),
  };
  const ssh: Secret = {
    metadata: { name: 'h1-ssh', namespace: 'nco' },
    stringData: { id_ed25519: 'KEY', known_hosts: '[10.231.0.6]:22 ssh-ed25519 AAAA' },
  };
  const lookup: SecretLookup = {
    defaultNamespace: 'nco',
    secret: (ns, name) => [secret, ssh].find((s) => s.metadata.namespace === ns && s.metadata.name === name),
  };

  it('reads ca.pem, cert.pem and key.pem for TCP with TLS, from memory', () => {
    const o = connectionOptions(ch({ secretRef: { name: 'h1-tls' } }), lookup);
    const docker = dockerOptions(o.host, o.credentials?.env, o.credentials?.files);
    expect(docker).toMatchObject({ host: '10.231.0.2', port: 2376, protocol: 'https' });
    expect(String(docker.ca)).toBe('ca.pem-bytes');
    expect(Buffer.from(docker.key as Buffer).toString()).toBe('key.pem-bytes');
  });

  it('reads the key and known_hosts for SSH', () => {
    const o = connectionOptions(ch({ endpoint: 'ssh://docker@10.231.0.6', secretRef: { name: 'h1-ssh' } }), lookup);
    const docker = dockerOptions(o.host, o.credentials?.env, o.credentials?.files);
    expect(docker).toMatchObject({ protocol: 'ssh', host: '10.231.0.6', username: 'docker' });
    expect(String(docker.sshOptions?.privateKey)).toBe('KEY');
  });

  it('says which Secret is missing', () => {
    expect(() => connectionOptions(ch({ secretRef: { name: 'nope' } }), lookup)).toThrow(
      new ConnectionError('SecretNotFound', 'Secret nco/nope not found'),
    );
  });

  it('refuses SSH without a Secret', () => {
    expect(() => connectionOptions(ch({ endpoint: 'ssh://docker@h' }), lookup)).toThrow(/needs spec.secretRef/);
  });

  it('refuses plain TCP to a host that is not loopback, as for DOCKER_HOST', () => {
    const o = connectionOptions(ch(), lookup);
    expect(() => dockerOptions(o.host, o.credentials?.env, o.credentials?.files)).toThrow(
      /plain tcp:\/\/ to a host that is not loopback.*NCO_DOCKER_ALLOW_PLAIN_TCP=true/,
    );
  });

  it('never reads the operator home for a ContainerHost without TLS material (plain TCP allowed)', () => {
    process.env['NCO_DOCKER_ALLOW_PLAIN_TCP'] = 'true';
    try {
      const o = connectionOptions(ch(), lookup);
      expect(dockerOptions(o.host, o.credentials?.env, o.credentials?.files)).toMatchObject({ protocol: 'http' });
    } finally {
      delete process.env['NCO_DOCKER_ALLOW_PLAIN_TCP'];
    }
  });

  it.each([
    ['a unix socket', { endpoint: 'unix:///run/h1.sock' }, []],
    ['TCP', { endpoint: 'tcp://10.0.0.1:2376', secretRef: { name: 's' } }, []],
    ['SSH', { endpoint: 'ssh://user@host:2222' }, []],
    ['no scheme', { endpoint: '10.0.0.1:2376' }, ['spec.endpoint']],
    ['http', { endpoint: 'http://10.0.0.1' }, ['spec.endpoint']],
    ['ssh without a user', { endpoint: 'ssh://host' }, ['spec.endpoint']],
  ])('the CRD takes or refuses an endpoint: %s', (_name, spec, problems) => {
    const found = validateContainerHost({
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'ContainerHost',
      metadata: { name: 'h' },
      spec,
    });
    expect(found.map((p) => p.split(':')[0])).toEqual(problems);
  });
});
