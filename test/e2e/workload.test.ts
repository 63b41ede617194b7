// What real workloads need, on a real Docker daemon: networks (created, attached and detached in
// place), the security context, host paths, tmpfs, /dev/shm, devices, sysctls, ulimits, the
// process limit (in place), the host's namespaces, DNS and /etc/hosts; and GPUs as far as a
// machine without one goes (Docker gets the device request and refuses to start it). A policy
// that selects the test namespace allows what these need; test/e2e/policy.test.ts shows what
// happens without one. The daemon runs with --bridge=none: only internal networks are created,
// and no traffic is sent anywhere.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { cleanupSteps } from './cleanup.ts';
import {
  applyAdmitted,
  applyPolicies,
  condition,
  execIn,
  ncPolicy,
  patchSpec,
  sleeper,
  waitFor,
  waitForReason,
} from './helpers.ts';
import { containersOf, createNamespace, docker, eventually, getJson, kubectl, startOperator } from './support.ts';

const MiB = 1024 * 1024;

describe('the fields real workloads need, on a real Docker daemon', () => {
  let operator: ProcessHandle;
  let ns: string;
  let hostDir: string;
  const policyName = `workload-${Date.now().toString(36)}`;
  const net = (n: string) => `${policyName}-${n}`;

  async function inspect(name: string): Promise<Docker.ContainerInspectInfo> {
    const [info, ...others] = await containersOf(ns, name);
    expect(others).toEqual([]);
    return docker().getContainer(info!.Id).inspect();
  }

  async function ready(name: string): Promise<NativeContainer> {
    return waitForReason<NativeContainer>(['-n', ns, 'nc', name], 'Ready', 'Running', operator);
  }

  beforeAll(async () => {
    ns = await createNamespace('workload');
    hostDir = mkdtempSync(join(tmpdir(), 'nco-hostpath-'));
    writeFileSync(join(hostDir, 'greeting'), 'hello from the host\n');
    operator = startOperator('workload');
    await applyPolicies(
      [
        ncPolicy(policyName, {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
          hostPaths: [{ pathPrefix: hostDir, readOnly: false }],
          devices: [{ pathPrefix: '/dev/zero' }],
          gpus: true,
          capabilities: ['NET_ADMIN', 'SYS_TIME'],
          privileged: true,
          hostNamespaces: ['Network', 'PID', 'IPC'],
          unconfinedSeccomp: true,
          networks: [`${policyName}-*`],
        }),
      ],
      operator,
    );
  });

  afterAll(async () => {
    await cleanupSteps([
      () => kubectl(['delete', 'nc', '--all', '-n', ns, '--timeout=60s'], { allowFail: true }),
      () => kubectl(['delete', 'ncpol', policyName, '--ignore-not-found']),
      () => operator?.stop(),
      async () => {
        for (const n of await docker().listNetworks({ filters: { name: [policyName] } })) {
          await docker()
            .getNetwork(n.Id)
            .remove()
            .catch(() => undefined);
        }
      },
      () => Promise.resolve(rmSync(hostDir, { recursive: true, force: true })),
    ]);
  });

  it('runs the process as the security context says', async () => {
    await applyAdmitted(
      ns,
      sleeper('secure', {
        securityContext: {
          user: '1000:1000',
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] },
          noNewPrivileges: true,
          seccompProfile: { type: 'Unconfined' },
          init: true,
        },
      }),
    );
    await ready('secure');
    const c = await inspect('secure');
    expect(c.Config.User).toBe('1000:1000');
    expect(c.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'],
      Init: true,
    });
    const status = await execIn(c.Id, ['cat', '/proc/self/status']);
    expect(status).toMatch(/^Uid:\s+1000\s/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+0$/m);
    // The bounding set is NET_ADMIN alone (bit 12); a non-root user has no effective ones.
    expect(status).toMatch(/^CapBnd:\s+0000000000001000$/m);
    expect(await execIn(c.Id, ['cat', '/proc/1/cmdline'])).toContain('docker-init');
    await expect(execIn(c.Id, ['touch', '/written'])).rejects.toThrow(/exited with 1/);
  });

  it('creates a privileged container when the policy allows it', async () => {
    await applyAdmitted(ns, sleeper('privileged', { securityContext: { privileged: true } }));
    // This machine's own capability bounding set lacks CAP_SYS_RESOURCE, so runc cannot give a
    // privileged container every capability and the start fails here; on a Docker host it runs.
    const nc = await waitFor<NativeContainer>(
      'privileged: running, or refused by runc for want of capabilities',
      ['-n', ns, 'nc', 'privileged'],
      (o) => {
        const ready = condition(o, 'Ready');
        return ready?.reason === 'Running' || /unable to apply caps/.test(ready?.message ?? '');
      },
      operator,
    );
    expect(condition(nc, 'Stalled')?.reason).not.toBe('PolicyViolation');
    expect((await inspect('privileged')).HostConfig.Privileged).toBe(true);
    await kubectl(['delete', '-n', ns, 'nc/privileged', '--timeout=60s']);
  });

  it('mounts host paths (read-only and read-write), tmpfs with a size, /dev/shm and a device', async () => {
    await applyAdmitted(
      ns,
      sleeper('mounts', {
        hostPaths: [
          { path: hostDir, mountPath: '/host', readOnly: true },
          { path: hostDir, mountPath: '/host-rw' },
        ],
        tmpfs: [{ mountPath: '/scratch', size: '8Mi' }],
        shmSize: '32Mi',
        devices: [{ path: '/dev/zero', containerPath: '/dev/nco-zero', permissions: 'r' }],
      }),
    );
    await ready('mounts');
    const c = await inspect('mounts');
    expect(c.Mounts.map((m) => [m.Type, m.Source, m.Destination, m.RW])).toEqual(
      expect.arrayContaining([
        ['bind', hostDir, '/host', false],
        ['bind', hostDir, '/host-rw', true],
        ['tmpfs', '', '/scratch', true],
      ]),
    );
    expect(await execIn(c.Id, ['cat', '/host/greeting'])).toBe('hello from the host\n');
    await expect(execIn(c.Id, ['touch', '/host/nope'])).rejects.toThrow(/exited with 1/);
    await execIn(c.Id, ['sh', '-c', 'echo from the container > /host-rw/written']);
    expect(readFileSync(join(hostDir, 'written'), 'utf8')).toBe('from the container\n');
    const mounts = await execIn(c.Id, ['cat', '/proc/mounts']);
    expect(mounts).toMatch(/^tmpfs \/scratch tmpfs \S*size=8192k/m);
    expect(mounts).toMatch(/^shm \/dev\/shm tmpfs \S*size=32768k/m);
    expect(c.HostConfig.ShmSize).toBe(32 * MiB);
    expect(c.HostConfig.Devices).toEqual([
      { PathOnHost: '/dev/zero', PathInContainer: '/dev/nco-zero', CgroupPermissions: 'r' },
    ]);
    await execIn(c.Id, ['test', '-c', '/dev/nco-zero']);
  });

  it('sets sysctls, ulimits, DNS and /etc/hosts, and changes the process limit in place', async () => {
    await applyAdmitted(
      ns,
      sleeper('kernel', {
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80' },
        ulimits: [{ name: 'nofile', soft: 1000, hard: 2000 }],
        pidsLimit: 40,
        dns: ['192.0.2.53'],
        dnsSearch: ['example.com'],
        extraHosts: [{ hostname: 'db.example', ip: '192.0.2.10' }],
      }),
    );
    await ready('kernel');
    const c = await inspect('kernel');
    expect(await execIn(c.Id, ['cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start'])).toBe('80\n');
    // What Docker was given, and what the container's own process got (/proc/1/limits: soft, hard).
    // Not `ulimit -n` in an exec: an exec's shell once reported a soft limit of 2000 in CI.
    expect(c.HostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 1000, Hard: 2000 }]);
    expect(await execIn(c.Id, ['cat', '/proc/1/limits'])).toMatch(/^Max open files\s+1000\s+2000\s+files/m);
    const resolv = await execIn(c.Id, ['cat', '/etc/resolv.conf']);
    expect(resolv).toMatch(/^nameserver 192\.0\.2\.53$/m);
    expect(resolv).toMatch(/^search example\.com$/m);
    expect(await execIn(c.Id, ['cat', '/etc/hosts'])).toContain('192.0.2.10\tdb.example');
    expect(c.HostConfig.PidsLimit).toBe(40);

    await patchSpec(ns, 'nc/kernel', { pidsLimit: 80 });
    await eventually('pids limit 80', async () => (await inspect('kernel')).HostConfig.PidsLimit === 80, operator);
    expect((await inspect('kernel')).Id).toBe(c.Id);
    // Without a limit the engine's default applies: removing it rebuilds (Docker's is none).
    await kubectl(['patch', '-n', ns, 'nc/kernel', '--type=json', '-p', '[{"op":"remove","path":"/spec/pidsLimit"}]']);
    await eventually('no pids limit', async () => !(await inspect('kernel')).HostConfig.PidsLimit, operator);
    await ready('kernel');
  });

  it("shares the host's network, process and IPC namespaces when asked", async () => {
    await applyAdmitted(ns, sleeper('host-ns', { networkMode: 'host', pidMode: 'host', ipcMode: 'host' }));
    await ready('host-ns');
    const c = await inspect('host-ns');
    expect([c.HostConfig.NetworkMode, c.HostConfig.PidMode, c.HostConfig.IpcMode]).toEqual(['host', 'host', 'host']);
    // The host's processes are visible: the operator's own among them.
    expect(await execIn(c.Id, ['cat', `/proc/${operator.pid}/cmdline`])).toContain('main.ts');
  });

  it('creates networks labelled as its own, and attaches and detaches them in place', async () => {
    const [a, b, c] = [net('a'), net('b'), net('c')];
    await applyAdmitted(
      ns,
      sleeper('networked', {
        networks: [
          { name: a, aliases: ['web'], create: true, internal: true },
          { name: b, create: true, internal: true },
        ],
      }),
    );
    await ready('networked');
    const first = await inspect('networked');
    const aliases = (info: Docker.ContainerInspectInfo, n: string): string[] => {
      const attached = info.NetworkSettings.Networks as Record<string, { Aliases?: string[] | null }>;
      return (attached[n]?.Aliases ?? []).filter((x) => x !== info.Id.slice(0, 12)).sort();
    };
    expect(first.HostConfig.NetworkMode).toBe(a);
    expect(Object.keys(first.NetworkSettings.Networks).sort()).toEqual([a, b]);
    expect(aliases(first, a)).toEqual(['web']);
    const created = await docker().getNetwork(b).inspect();
    expect(created.Internal).toBe(true);
    expect(created.Labels).toEqual({ 'nativecontainer.io/managed-by': 'native-container-operator' });

    await patchSpec(ns, 'nc/networked', {
      networks: [
        { name: a, aliases: ['web', 'www'] },
        { name: c, create: true, internal: true },
      ],
    });
    let after = first;
    await eventually(
      'attached to a and c only, with the new aliases',
      async () => {
        after = await inspect('networked');
        return (
          Object.keys(after.NetworkSettings.Networks).sort().join() === [a, c].join() && aliases(after, a).length === 2
        );
      },
      operator,
    );
    expect(after.Id).toBe(first.Id);
    expect(aliases(after, a)).toEqual(['web', 'www']);
    const nc = await ready('networked');
    expect(condition(nc, 'Ready')?.status).toBe('True');

    await kubectl(['delete', '-n', ns, 'nc/networked', '--timeout=60s']);
    // c was created for it and is free now; b was created for it and left before; a was never its to create.
    await eventually(
      'network c removed',
      async () => (await docker().listNetworks({ filters: { name: [c] } })).length === 0,
    );
    expect((await docker().listNetworks({ filters: { name: [a] } })).map((n) => n.Name)).toEqual([a]);
  });

  it('asks Docker for GPUs through a device request (no GPU here: Docker refuses to start it)', async () => {
    await applyAdmitted(ns, sleeper('gpu', { gpus: { count: 'all', capabilities: ['utility'] } }));
    await waitFor<NativeContainer>(
      'a start refused for want of a GPU driver',
      ['-n', ns, 'nc', 'gpu'],
      (o) => /could not select device driver/.test(condition(o, 'Ready')?.message ?? ''),
      operator,
    );
    const c = await inspect('gpu');
    const requests = (c.HostConfig as { DeviceRequests?: unknown }).DeviceRequests;
    expect(requests).toEqual([
      { Driver: '', Count: -1, DeviceIDs: [], Capabilities: [['gpu', 'utility']], Options: {} },
    ]);
    await kubectl(['delete', '-n', ns, 'nc/gpu', '--timeout=60s']);
  });

  it('keeps everything as it is while nothing changes', async () => {
    const before = await getJson<{ items: NativeContainer[] }>(['get', '-n', ns, 'nc']);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await getJson<{ items: NativeContainer[] }>(['get', '-n', ns, 'nc']);
    expect(after.items.map((n) => [n.metadata.name, n.metadata.resourceVersion])).toEqual(
      before.items.map((n) => [n.metadata.name, n.metadata.resourceVersion]),
    );
  });
});
