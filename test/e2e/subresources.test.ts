// The subresource API end to end: the operator's aggregated API server behind the real
// kube-apiserver's aggregation layer (front-proxy certificates, delegated authentication and
// authorization), reached at an address in a network namespace, driven through the kubectl-nc
// plugin (as `kubectl nc`) and `kubectl get --raw`, against a real dockerd and registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { setUpAggregation, type Aggregation } from '../../src/local/aggregation.ts';
import { exec, type ExecResult } from '../../src/local/exec.ts';
import { binary } from '../../src/local/paths.ts';
import { freePort, type ProcessHandle } from '../../src/local/processes.ts';
import type { Registry } from '../../src/local/registry.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import { cleanupSteps, removeContainers } from './cleanup.ts';
import {
  applyRegistryCredentials,
  buildSecondImage,
  forgetImages,
  forgetRegistry,
  kubectlApply,
  patchSpec,
  registryWith,
  sleeper,
  TEST_IMAGE_2,
  waitForReason,
} from './helpers.ts';
import { renderChart } from './packaging.ts';
import {
  containersOf,
  createNamespace,
  docker,
  env,
  eventually,
  kubectl,
  ROOT,
  sample,
  startOperator,
} from './support.ts';
import { userKubeconfig } from './users.ts';

const API = '/apis/subresources.nativecontainer.io/v1alpha1';
const TALKER = ['/bin/sh', '-c', 'i=0; while true; do i=$((i+1)); echo out $i; echo err $i >&2; sleep 0.2; done'];
/** With a memory limit from the start: adding one where there was none needs a new container. */
const TALKER_SPEC = { command: TALKER, resources: { memory: '128Mi' } };
const ROLES = ['nativecontainer-viewer', 'nativecontainer-editor', 'nativecontainer-admin'];
/** kubectl finds the plugin on PATH; Node 26 (ours) first, for its #!/usr/bin/env node. */
const PLUGIN_PATH = `${join(ROOT, 'bin')}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`;

describe('the subresource API through the aggregation layer', () => {
  let ns: string;
  let agg: Aggregation;
  let leader: ProcessHandle;
  let follower: ProcessHandle;
  let registry: Registry | undefined;
  let rbac = '';
  const metricsPorts: number[] = [];
  /** Images the tests commit without pushing, removed at the end. */
  const committed: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'nco-nc-'));

  /** `kubectl nc ...` as a user runs it, with the admin's (or another) kubeconfig. */
  const nc = (args: string[], o: { input?: string; kubeconfig?: string } = {}): Promise<ExecResult> =>
    exec(binary('kubectl'), ['nc', `--kubeconfig=${o.kubeconfig ?? env().kubeconfig}`, '-n', ns, ...args], {
      input: o.input,
      env: { ...process.env, PATH: PLUGIN_PATH },
    });
  const ok = async (args: string[], o: { input?: string; kubeconfig?: string } = {}): Promise<string> => {
    const res = await nc(args, o);
    expect(res.code, `kubectl nc ${args.join(' ')}: ${res.stderr}`).toBe(0);
    return res.stdout;
  };
  /** `kubectl nc ...` left running (follow, stream): its output so far, and its exit once it ends. */
  const running = (args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } => {
    const child = spawn(binary('kubectl'), ['nc', `--kubeconfig=${env().kubeconfig}`, '-n', ns, ...args], {
      env: { ...process.env, PATH: PLUGIN_PATH },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, out: () => out, exited };
  };
  /** Engine streams the replicas hold open for clients (either may serve a request). */
  const openStreams = async (subresource: 'log' | 'stats'): Promise<number> => {
    let open = 0;
    for (const port of metricsPorts) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      open += sample(text, 'nco_subresource_streams', { subresource });
    }
    return open;
  };
  /** Once the client is gone, the replica that served it closes the engine's stream. */
  const closedOnLeave = async (subresource: 'log' | 'stats', client: ReturnType<typeof running>): Promise<void> => {
    await eventually(`the ${subresource} stream held open`, async () => (await openStreams(subresource)) >= 1);
    client.child.kill();
    await client.exited;
    await eventually(`the ${subresource} stream closed`, async () => (await openStreams(subresource)) === 0);
  };
  const raw = (name: string, sub: string, query = '') =>
    kubectl(['get', '--raw', `${API}/namespaces/${ns}/nativecontainers/${name}/${sub}${query}`]);

  beforeAll(async () => {
    ns = await createNamespace('sub');
    agg = await setUpAggregation({ kubeconfigPath: env().kubeconfig }, ns);
    const ports = [await freePort(), await freePort()];
    metricsPorts.push(await freePort(), await freePort());
    const replica = (i: number): ProcessHandle =>
      startOperator(`subresources-${i}`, {
        NCO_METRICS_PORT: String(metricsPorts[i]),
        NCO_TLS_CERT_FILE: agg.certFile,
        NCO_TLS_KEY_FILE: agg.keyFile,
        NCO_SUBRESOURCE_BIND_ADDRESS: agg.bindAddress,
        NCO_SUBRESOURCE_PORT: String(ports[i]),
        NCO_WATCH_NAMESPACES: ns,
        NCO_LEADER_ELECT: 'true',
        NCO_LEADER_ELECTION_NAMESPACE: ns,
        POD_NAME: `replica-${i}`,
      });
    leader = replica(0);
    await eventually('replica-0 leads', async () => (await holder()) === 'replica-0', leader);
    follower = replica(1);
    await agg.register(ports);
    // The chart's roles, aggregated into view and edit by kube-controller-manager.
    rbac = await renderChart('nco-sub', ns, ['--show-only=templates/subresources.yaml']);
    rbac = rbac
      .split('\n---\n')
      .filter((doc) => /kind: ClusterRole\n/.test(doc))
      .join('\n---\n');
    await kubectl(['apply', '-f', '-'], { input: rbac });
    await kubectlApply(ns, sleeper('talker', TALKER_SPEC));
    await waitForReason(['-n', ns, 'nc', 'talker'], 'Ready', 'Running', leader);
  });

  afterAll(async () => {
    await cleanupSteps([
      () => agg?.remove(),
      () => kubectl(['delete', 'clusterrole', ...ROLES, '--ignore-not-found']),
      () => kubectl(['delete', 'nc', '--all', '-n', ns, '--timeout=60s'], { allowFail: true }),
      () => leader?.stop(),
      () => follower?.stop(),
      () => removeContainers(docker(), [`${LABELS.ownerNamespace}=${ns}`]),
      () => forgetImages(committed),
      () => forgetRegistry(registry),
      () => registry?.stop(),
      () => Promise.resolve(rmSync(work, { recursive: true, force: true })),
    ]);
  });

  async function holder(): Promise<string> {
    const args = ['get', 'lease', '-n', ns, 'native-container-operator', '-o', 'jsonpath={.spec.holderIdentity}'];
    return (await kubectl(args, { allowFail: true })).stdout;
  }

  describe('log', () => {
    it('serves the last lines of stdout and stderr through kubectl get --raw', async () => {
      // The container may have written fewer lines yet: tailLines returns what there is.
      let out = '';
      await eventually('four lines of output', async () => {
        out = (await raw('talker', 'log', '?tailLines=4')).stdout;
        return out.trim().split('\n').length >= 4;
      });
      expect(out.trim().split('\n')).toHaveLength(4);
      expect(out).toMatch(/^out \d+$/m);
      expect(out).toMatch(/^err \d+$/m);
    });

    it('tails and prefixes timestamps through the plugin', async () => {
      const out = await ok(['logs', 'talker', '--tail', '2', '--timestamps']);
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z (out|err) \d+$/);
    });

    it('limits to what was written since a time', async () => {
      // Once the container has written for a few seconds, the last second is a part of it.
      let all: string[] = [];
      await eventually('a few seconds of output', async () => {
        all = (await ok(['logs', 'talker', '--timestamps'])).trim().split('\n');
        return Date.now() - Date.parse(all[0]!.split(' ')[0]!) > 4000;
      });
      const asked = Date.now();
      const recent = (await ok(['logs', 'talker', '--since', '2s', '--timestamps'])).trim().split('\n');
      expect(recent.length).toBeGreaterThan(0);
      expect(recent.length).toBeLessThan(all.length);
      for (const line of recent) expect(Date.parse(line.split(' ')[0]!)).toBeGreaterThan(asked - 3000);
    });

    it('follows new lines until the client leaves, and the server then closes the engine stream', async () => {
      const follow = running(['logs', '-f', '--tail', '1', 'talker']);
      try {
        const first = (): number => Number(/out (\d+)|err (\d+)/.exec(follow.out())?.slice(1).find(Boolean) ?? NaN);
        await eventually('a first line', () => !Number.isNaN(first()));
        const start = first();
        // Lines written after the request started arrive on the same stream.
        await eventually('newer lines followed', () =>
          [...follow.out().matchAll(/out (\d+)/g)].some((m) => Number(m[1]) > start + 3),
        );
        await closedOnLeave('log', follow);
      } finally {
        follow.child.kill();
      }
    });

    it('ends a follow (and a stats stream) when the container is rebuilt, instead of hanging on the old one', async () => {
      // Its own resource: the rebuild gives it a new container. It stops at once on SIGTERM.
      const command = ['/bin/sh', '-c', 'trap "exit 0" TERM; while true; do echo tick; sleep 0.2; done'];
      await kubectlApply(ns, sleeper('rebuilt', { command }));
      await waitForReason(['-n', ns, 'nc', 'rebuilt'], 'Ready', 'Running', leader);
      const [before] = await containersOf(ns, 'rebuilt');
      const clients = [running(['logs', '-f', 'rebuilt']), running(['stats', 'rebuilt', '--stream'])];
      const codes: (number | null | undefined)[] = [undefined, undefined];
      clients.forEach((c, i) => void c.exited.then((code) => (codes[i] = code)));
      try {
        await eventually('both have output', () => clients.every((c) => c.out() !== ''));
        expect(codes, 'a stream ended before the rebuild').toEqual([undefined, undefined]);
        // Another environment is another configuration: the planner replaces the container.
        await patchSpec(ns, 'nc/rebuilt', { env: [{ name: 'GENERATION', value: '2' }] });
        await eventually('both end with the old container', () => !codes.includes(undefined), leader);
        expect(codes).toEqual([0, 0]);
        expect(clients[0]!.out()).toContain('tick');
        // They ended because the container went: a new one takes its place.
        await eventually('the new container runs', async () =>
          (await containersOf(ns, 'rebuilt')).some((c) => c.Id !== before!.Id && c.State === 'running'),
        );
        await eventually(
          'no engine stream left open',
          async () => (await openStreams('log')) + (await openStreams('stats')) === 0,
        );
      } finally {
        for (const c of clients) c.child.kill();
      }
    });
  });

  describe('exec', () => {
    it('round-trips stdin (closed at its end, v5) and leaves an Event with the user and the first word only', async () => {
      const out = await ok(['exec', '-i', 'talker', '--', 'sh', '-c', 'cat; echo secret-argument >/dev/null'], {
        input: 'hello through stdin\n',
      });
      expect(out).toBe('hello through stdin\n');
      await eventually('the Exec Event', async () =>
        (
          await kubectl([
            'get',
            'events',
            '-n',
            ns,
            '--field-selector=reason=Exec',
            '-o',
            'jsonpath={.items[*].message}',
          ])
        ).stdout.includes('admin ran sh in the container'),
      );
      const events = (await kubectl(['get', 'events', '-n', ns, '-o', 'json'])).stdout;
      expect(events).not.toContain('secret-argument');
    });

    it('returns the remote exit code as its own, and stderr apart', async () => {
      const res = await nc(['exec', 'talker', '--', 'sh', '-c', 'echo to-stderr >&2; exit 3']);
      expect(res.code).toBe(3);
      expect(res.stderr).toContain('to-stderr');
      expect(res.stdout).toBe('');
    });

    it('gives a TTY whose size the plugin sends from its terminal, as stty size sees it inside', async () => {
      // script(1) gives the plugin a terminal; stty sets its size before the plugin starts.
      const cmd = `stty cols 123 rows 45; ${binary('kubectl')} nc --kubeconfig=${env().kubeconfig} -n ${ns} exec -it talker -- sh -c 'sleep 1; busybox stty size'`;
      const res = await exec('script', ['-qec', cmd, '/dev/null'], {
        env: { ...process.env, PATH: PLUGIN_PATH, KUBECTL: binary('kubectl') },
        input: '',
      });
      expect(res.stdout).toContain('45 123');
    });

    it('sends a resize during the session, and stty size inside sees the new size', async () => {
      // The terminal is resized (stty on it sends SIGWINCH to the plugin) once the shell inside has
      // said it runs, and the shell waits for the new size: no guess about timing. Each wait gives
      // up after 60 s, so a lost resize fails the test instead of hanging it.
      const typescript = join(work, 'resize.typescript');
      const inside = `echo session-open; i=0; until [ "$(busybox stty size 2>/dev/null)" = "30 100" ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done; busybox stty size`;
      const resizer = `(i=0; until grep -q session-open ${typescript} || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done; stty cols 100 rows 30 </dev/tty) &`;
      const cmd = `stty cols 123 rows 45; ${resizer} ${binary('kubectl')} nc --kubeconfig=${env().kubeconfig} -n ${ns} exec -it talker -- sh -c '${inside}'`;
      const res = await exec('script', ['-qfec', cmd, typescript], {
        env: { ...process.env, PATH: PLUGIN_PATH, KUBECTL: binary('kubectl') },
        input: '',
      });
      expect(res.stdout, JSON.stringify(res.stdout)).toMatch(/session-open\s+(\^@)?30 100/);
    });
  });

  describe('attach', () => {
    it('attaches stdin and stdout to the main process and ends with it', async () => {
      await kubectlApply(
        ns,
        sleeper('reader', {
          command: ['/bin/sh', '-c', 'while read l; do echo got $l; [ "$l" = quit ] && exit 0; done'],
          stdin: true,
          restartPolicy: 'Never',
        }),
      );
      await waitForReason(['-n', ns, 'nc', 'reader'], 'Ready', 'Running', leader);
      const out = await ok(['attach', '-i', 'reader'], { input: 'hi\nquit\n' });
      expect(out).toBe('got hi\ngot quit\n');
    });
  });

  describe('cp', () => {
    it('copies a binary file into the container and back, byte for byte', async () => {
      const data = randomBytes(256 * 1024);
      const local = join(work, 'blob.bin');
      writeFileSync(local, data);
      await ok(['cp', local, 'talker:/tmp/blob.bin']);
      const sum = await ok(['exec', 'talker', '--', 'busybox', 'sha256sum', '/tmp/blob.bin']);
      const { createHash } = await import('node:crypto');
      expect(sum.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
      await ok(['cp', 'talker:/tmp/blob.bin', join(work, 'back.bin')]);
      expect(readFileSync(join(work, 'back.bin')).equals(data)).toBe(true);
    });
  });

  describe('stats and top', () => {
    it('reports memory and processes of the container', async () => {
      const stats = JSON.parse(await ok(['stats', 'talker'])) as {
        memoryBytes: number;
        pids: number;
        cpuPercent: number;
      };
      expect(stats.memoryBytes).toBeGreaterThan(0);
      expect(stats.pids).toBeGreaterThanOrEqual(1);
      const top = await ok(['top', 'talker', '--ps-args', '-ef']);
      expect(top.split('\n')[0]).toMatch(/PID/);
      expect(top).toContain('sleep');
    });

    it('streams samples with CPU, memory, network, block I/O and pids until the client leaves', async () => {
      const stream = running(['stats', 'talker', '--stream']);
      // Whole lines only: the last may still be on its way.
      const samples = (): Record<string, unknown>[] =>
        stream
          .out()
          .split('\n')
          .slice(0, -1)
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      try {
        await eventually('two samples', () => samples().length >= 2);
        await closedOnLeave('stats', stream);
      } finally {
        stream.child.kill();
      }
      const fields = ['cpuPercent', 'memoryBytes', 'memoryLimitBytes', 'networkRxBytes', 'networkTxBytes'];
      for (const s of samples()) {
        for (const field of [...fields, 'blockReadBytes', 'blockWriteBytes', 'pids']) {
          expect(typeof s[field], `${field} in ${JSON.stringify(s)}`).toBe('number');
        }
        expect(s['memoryBytes']).toBeGreaterThan(0);
        expect(s['pids']).toBeGreaterThanOrEqual(1);
      }
      // Two samples of the engine, not one sent twice.
      const [first, second] = samples();
      expect(Date.parse(String(second!['time']))).toBeGreaterThan(Date.parse(String(first!['time'])));
    });
  });

  describe('plan', () => {
    it('says an image change rebuilds and a memory change updates in place, and changes nothing', async () => {
      await buildSecondImage();
      const manifest = (spec: Record<string, unknown>): string => {
        const file = join(work, `plan-${Object.keys(spec).join('-')}.yaml`);
        writeFileSync(
          file,
          stringify({
            ...sleeper('talker', { ...TALKER_SPEC, ...spec }),
            metadata: { name: 'talker', namespace: ns },
          }),
        );
        return file;
      };
      const rebuild = await ok(['plan', '-f', manifest({ image: TEST_IMAGE_2 })]);
      expect(rebuild).toContain(
        `Create nc_${ns}_talker_next (rebuild: image changed from ${TEST_IMAGE} to ${TEST_IMAGE_2})`,
      );
      expect(rebuild).toContain('effect: rebuild');
      const memory = await ok(['plan', '-f', manifest({ resources: { memory: '64Mi' } })]);
      expect(memory).toMatch(/^Update [0-9a-f]{12} \(in place: memory 134217728 -> 67108864 bytes\)$/m);
      expect(memory).toContain('effect: in place');
      expect(await ok(['plan', '-f', manifest({})])).toBe('no changes\n');
      const [container] = await docker().listContainers({
        filters: { label: [`${LABELS.ownerNamespace}=${ns}`, `${LABELS.ownerName}=talker`] },
      });
      expect(container?.Image).toBe(TEST_IMAGE);
    });
  });

  describe('commit', () => {
    it('commits without a push: the image on the engine with its message and author, the response and an Event say so', async () => {
      const ref = `nco-e2e/committed-${ns}:v1`;
      committed.push(ref);
      const author = 'E2E Tester <e2e@example.com>';
      const out = await ok(['commit', 'talker', ref, '-m', 'a local snapshot', '--author', author]);
      // Not pushed: the line has no "pushed" part.
      expect(out).toMatch(new RegExp(`^${ref} (sha256:[0-9a-f]{64})\n$`));
      const imageID = out.trim().split(' ')[1]!;
      const image = await docker().getImage(ref).inspect();
      expect(image.Id).toBe(imageID);
      expect(image.RepoTags).toContain(ref);
      expect(image.Comment).toBe('a local snapshot');
      expect(image.Author).toBe(author);
      // The response itself (kubectl create --raw posts the body as it is): no author, the user's name.
      const body = join(work, 'commit.json');
      writeFileSync(body, JSON.stringify({ repository: `nco-e2e/committed-${ns}`, tag: 'v2' }));
      committed.push(`nco-e2e/committed-${ns}:v2`);
      const result = JSON.parse(
        (await kubectl(['create', '--raw', `${API}/namespaces/${ns}/nativecontainers/talker/commit`, '-f', body]))
          .stdout,
      ) as Record<string, unknown>;
      expect(result).toMatchObject({ kind: 'CommitResult', image: `nco-e2e/committed-${ns}:v2`, pushed: false });
      expect(result).not.toHaveProperty('digest');
      expect((await docker().getImage(`nco-e2e/committed-${ns}:v2`).inspect()).Author).toBe('admin');
      const messages = async (reason: string): Promise<string> =>
        (
          await kubectl([
            'get',
            'events',
            '-n',
            ns,
            `--field-selector=reason=${reason}`,
            '-o',
            'jsonpath={.items[*].message}',
          ])
        ).stdout;
      await eventually('the Committed Events', async () => {
        const events = await messages('Committed');
        return [ref, `nco-e2e/committed-${ns}:v2`].every((r) =>
          events.includes(`admin committed the container as ${r} (`),
        );
      });
      expect(await messages('Committed')).toContain(`as ${ref} (${imageID.slice(0, 19)})`);
      expect(await messages('Pushed')).not.toContain(`nco-e2e/committed-${ns}`);
    });

    it('refuses a name that is no image name with 400 Bad Request, before the engine', async () => {
      // Docker itself answers such a commit with a 500 (invalid reference format).
      const body = join(work, 'commit-invalid.json');
      writeFileSync(body, JSON.stringify({ repository: 'Nco-E2E/Uppercase', tag: 'v1' }));
      const path = `${API}/namespaces/${ns}/nativecontainers/talker/commit`;
      const res = await kubectl(['create', '--raw', path, '-f', body], { allowFail: true });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('Error from server (BadRequest): "Nco-E2E/Uppercase:v1" is not an image name');
      const plugin = await nc(['commit', 'talker', 'Nco-E2E/Uppercase:v1']);
      expect(plugin.code).toBe(1);
      expect(plugin.stderr.trim().split('\n')).toHaveLength(1);
      expect(plugin.stderr).toContain('"Nco-E2E/Uppercase:v1" is not an image name');
    });

    it('commits the file system, pushes it with a ContainerSecret, and a NativeContainer runs the image', async () => {
      registry = await registryWith({});
      await applyRegistryCredentials(ns, registry, 'push');
      await waitForReason(['-n', ns, 'csec', 'push'], 'Ready', 'Verified', leader);
      await ok(['exec', 'talker', '--', 'sh', '-c', 'echo committed-marker > /marker']);
      const ref = `${registry.host}/committed/app:1`;
      const out = await ok(['commit', 'talker', ref, '--push', '--secret', 'push', '-m', 'from the e2e test']);
      expect(out).toMatch(new RegExp(`^${ref} sha256:[0-9a-f]{64} pushed sha256:[0-9a-f]{64}`));
      await forgetImages([ref]);
      await kubectlApply(
        ns,
        sleeper('fromcommit', {
          image: ref,
          secretRef: { name: 'push' },
          command: ['/bin/sh', '-c', 'cat /marker; sleep 3600'],
        }),
      );
      await waitForReason(['-n', ns, 'nc', 'fromcommit'], 'Ready', 'Running', leader);
      await eventually('the marker in the log', async () =>
        (await raw('fromcommit', 'log')).stdout.includes('committed-marker'),
      );
      const events = (await kubectl(['get', 'events', '-n', ns, '--field-selector=reason=Pushed'])).stdout;
      expect(events).toContain(`admin pushed ${ref}`);
    });
  });

  describe('declarative verbs', () => {
    it('stops and starts the container by patching spec.state', async () => {
      expect(await ok(['stop', 'talker'])).toContain('stopped');
      await waitForReason(['-n', ns, 'nc', 'talker'], 'Ready', 'Stopped', leader);
      await ok(['start', 'talker']);
      await waitForReason(['-n', ns, 'nc', 'talker'], 'Ready', 'Running', leader);
    });
  });

  describe('RBAC', () => {
    it('lets a user bound to view read logs and refuses exec with a 403 naming the verb and subresource', async () => {
      const viewer = await userKubeconfig('alice', ns, 'view');
      expect(await ok(['logs', 'talker', '--tail', '1'], { kubeconfig: viewer })).toMatch(/(out|err) \d+/);
      const refused = await nc(['exec', 'talker', '--', 'true'], { kubeconfig: viewer });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toContain('forbidden: you may not get nativecontainers/exec');
    });

    it('lets a user bound to edit exec', async () => {
      const editor = await userKubeconfig('bob', ns, 'edit');
      expect(await ok(['exec', 'talker', '--', 'echo', 'as bob'], { kubeconfig: editor })).toBe('as bob\n');
    });

    it('refuses anonymous requests, at the kube-apiserver and at the operator', async () => {
      const anonymous = await userKubeconfig(undefined, ns);
      const res = await nc(['logs', 'talker'], { kubeconfig: anonymous });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/forbidden|Unauthorized/);
      // Straight to the operator without the front proxy's certificate: 401.
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(
            `https://${agg.netns.address}:9443${API}/namespaces/${ns}/nativecontainers/talker/log`,
            { rejectUnauthorized: false },
            (r) => {
              r.resume();
              resolve(r.statusCode ?? 0);
            },
          )
          .on('error', reject);
      });
      expect(status).toBe(401);
    });
  });

  describe('two replicas', () => {
    it('serves the API from the replica that does not lead', async () => {
      expect(await holder()).toBe('replica-0');
      await agg.route([1]);
      await eventually(
        'the follower answers',
        async () => (await raw('talker', 'log', '?tailLines=1')).stdout.trim() !== '',
      );
      const log = readFileSync(follower.logFile, 'utf8');
      expect(log).toContain('subresource API server listening');
      await agg.route([0, 1]);
    });
  });
});
