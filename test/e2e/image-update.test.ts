// Following a tag's digest, on a real dockerd and the real htpasswd registry: the operator asks
// the registry (through the engine, with the resource's credentials, without pulling) for the
// digest of app:1, says UpdateAvailable under Notify, moves onto it under Apply, and goes back
// to the previous digest when the new one never becomes healthy, until the tag moves again.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { dockerCli } from '../../src/local/docker-cli.ts';
import { execError } from '../../src/local/exec.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import type { Registry } from '../../src/local/registry.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import {
  applyRegistryCredentials,
  buildSecondImage,
  condition,
  execIn,
  cleanupWithRegistry,
  kubectlApply,
  patchSpec,
  registryWith,
  sleeper,
  TEST_IMAGE_2,
  waitFor,
  waitForReason,
} from './helpers.ts';
import { containersOf, createNamespace, docker, env, eventually, getJson, startOperator } from './support.ts';

/** The second image with NCO_BAD=1: the healthcheck below never passes in it. */
const BAD_IMAGE = 'nco-test/busybox:bad';
const HEALTHCHECK = {
  command: ['/bin/sh', '-c', 'test "$NCO_BAD" != 1 || { echo "bad image"; exit 1; }'],
  intervalSeconds: 1,
  retries: 1,
};

async function buildBadImage(): Promise<void> {
  const c = await docker().createContainer({ Image: TEST_IMAGE, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
  try {
    await c.commit({ repo: 'nco-test/busybox', tag: 'bad', changes: ['ENV NCO_BAD=1'] });
  } finally {
    await c.remove({ force: true });
  }
}

describe('following a tag and rolling back a bad update', () => {
  let operator: ProcessHandle;
  let registry: Registry;
  let ns: string;
  let app: string;
  const digests: Record<string, string> = {};
  const get = () => getJson<NativeContainer>(['get', '-n', ns, 'nc', 'app']);
  const runs = (o: NativeContainer, digest: string): boolean => o.status?.imageDigest?.endsWith(digest) ?? false;

  /** Pushes a local image as app:1 (the tag moves) and returns the digest the registry gave it. */
  async function push(local: string): Promise<string> {
    return pushAs(local, app);
  }

  async function pushAs(local: string, ref: string): Promise<string> {
    const host = { host: env().dockerHost };
    const run = async (args: string[], input?: string): Promise<string> => {
      const res = await dockerCli(host, args, { input });
      if (res.code !== 0) throw execError(`docker ${args[0]}`, res);
      return res.stdout;
    };
    await run(['login', registry.host, '-u', registry.username, '--password-stdin'], registry.password);
    try {
      await run(['tag', local, ref]);
      const out = await run(['push', ref]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
      if (!digest) throw new Error(`no digest in docker push output: ${out}`);
      await run(['rmi', ref]);
      return digest;
    } finally {
      await dockerCli(host, ['logout', registry.host]);
    }
  }

  beforeAll(async () => {
    await buildSecondImage();
    await buildBadImage();
    registry = await registryWith({});
    app = `${registry.host}/team/app:1`;
    ns = await createNamespace('update');
    operator = startOperator('update');
    await applyRegistryCredentials(ns, registry, 'app');
  });

  afterAll(() => cleanupWithRegistry(ns, operator, registry));

  it('runs app:1 and reports the digest it runs, read from the image', async () => {
    digests['v1'] = await push(TEST_IMAGE);
    await kubectlApply(
      ns,
      sleeper('app', {
        image: app,
        secretRef: { name: 'app' },
        healthcheck: HEALTHCHECK,
        imageUpdate: { policy: 'Notify', intervalSeconds: 2, healthDeadlineSeconds: 15 },
        volumes: [{ name: 'data', mountPath: '/data' }],
      }),
    );
    const running = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'app'], 'Ready', 'Running', operator);
    await execIn(running.status!.containerID!, ['/bin/sh', '-c', 'echo precious > /data/file']);
    expect(running.status?.imageDigest).toBe(`${registry.host}/team/app@${digests['v1']}`);
    const upToDate = await waitForReason<NativeContainer>(
      ['-n', ns, 'nc', 'app'],
      'UpdateAvailable',
      'UpToDate',
      operator,
    );
    expect(condition(upToDate, 'UpdateAvailable')?.status).toBe('False');
    expect(upToDate.status?.imageHistory?.[0]).toMatchObject({ reason: 'Created' });
  });

  it('Notify: a new push of the same tag shows up as UpdateAvailable with both digests, and nothing is pulled', async () => {
    digests['v2'] = await push(TEST_IMAGE_2);
    const available = await waitForReason<NativeContainer>(
      ['-n', ns, 'nc', 'app'],
      'UpdateAvailable',
      'UpdateAvailable',
      operator,
    );
    console.log(`UpdateAvailable: ${condition(available, 'UpdateAvailable')?.message}`);
    expect(condition(available, 'UpdateAvailable')?.status).toBe('True');
    expect(condition(available, 'UpdateAvailable')?.message).toContain(digests['v1']);
    expect(condition(available, 'UpdateAvailable')?.message).toContain(digests['v2']);
    expect(available.status?.latestDigest).toBe(`${app}@${digests['v2']}`);
    expect(available.status?.imageDigest).toContain(digests['v1']);
    const images = await docker().listImages();
    const pulled = `${registry.host}/team/app@${digests['v2']}`;
    expect(images.flatMap((i) => i.RepoDigests ?? [])).not.toContain(pulled);
  });

  it('Apply: pulls the new digest and rebuilds onto it, new container first, the update verified once healthy', async () => {
    const before = (await get()).status!.containerID;
    await patchSpec(ns, 'nc/app', { imageUpdate: { policy: 'Apply' } });
    const updated = await waitFor<NativeContainer>(
      'running the second digest, healthy, verified',
      ['-n', ns, 'nc', 'app'],
      (o) =>
        (o.status?.imageDigest?.endsWith(digests['v2']!) ?? false) &&
        condition(o, 'Ready')?.reason === 'Running' &&
        o.status?.pendingUpdate === undefined,
      operator,
    );
    expect(updated.status?.containerID).not.toBe(before);
    expect(updated.status?.imageHistory?.[0]).toMatchObject({ reason: 'UpdateApplied' });
    expect(condition(updated, 'UpdateAvailable')).toMatchObject({ status: 'False', reason: 'UpToDate' });
    expect(await containersOf(ns, 'app')).toHaveLength(1);
  });

  it('rolls back a digest that never becomes healthy, says RolledBack, and does not try it again while the tag stays', async () => {
    digests['v3'] = await push(BAD_IMAGE);
    const rolledBack = await waitFor<NativeContainer>(
      'rolled back to the second digest',
      ['-n', ns, 'nc', 'app'],
      (o) => condition(o, 'RolledBack')?.status === 'True' && runs(o, digests['v2']!),
      operator,
    );
    console.log(`RolledBack: ${condition(rolledBack, 'RolledBack')?.message}`);
    console.log(`imageHistory: ${JSON.stringify(rolledBack.status?.imageHistory)}`);
    expect(condition(rolledBack, 'RolledBack')?.message).toContain(digests['v3']);
    expect(rolledBack.status?.rollback?.to).toContain(digests['v2']);
    const history = rolledBack.status!.imageHistory!;
    expect(history.slice(0, 3).map((h) => h.reason)).toEqual(['RolledBack', 'UpdateApplied', 'UpdateApplied']);
    expect(history[1]!.image).toContain(digests['v3']);
    // Events are sent in the background.
    await eventually('a RolledBack Event naming the bad digest', async () => {
      const events = await getJson<{ items: { reason: string; message: string }[] }>([
        'get',
        '-n',
        ns,
        'events',
        '--field-selector',
        'involvedObject.name=app',
      ]);
      return events.items.some((e) => e.reason === 'RolledBack' && e.message.includes(digests['v3']!));
    });

    // Two more registry checks with the tag still on the bad digest: nothing moves.
    const checkedAt = Date.parse(rolledBack.status!.lastUpdateCheck!);
    await eventually(
      'two more checks',
      async () => Date.parse((await get()).status?.lastUpdateCheck ?? '0') > checkedAt + 3000,
    );
    const stayed = await get();
    expect(stayed.status?.imageDigest).toContain(digests['v2']);
    expect(stayed.status?.containerID).toBe(rolledBack.status?.containerID);
    expect(condition(stayed, 'UpdateAvailable')).toMatchObject({ status: 'False', reason: 'RolledBack' });
  });

  it('moves on when the tag moves again, and the rollback ends', async () => {
    digests['v1again'] = await push(TEST_IMAGE);
    expect(digests['v1again']).toBe(digests['v1']);
    const moved = await waitFor<NativeContainer>(
      'running the tag again',
      ['-n', ns, 'nc', 'app'],
      (o) => (o.status?.imageDigest?.endsWith(digests['v1']!) ?? false) && condition(o, 'Ready')?.reason === 'Running',
      operator,
    );
    expect(moved.status?.rollback).toBeUndefined();
    expect(condition(moved, 'RolledBack')).toMatchObject({ status: 'False', reason: 'NoRollback' });
  });

  it('rolls back a new spec.image that never becomes healthy to the digest before, with the same volume data', async () => {
    const bad = `${registry.host}/team/app:bad`;
    await pushAs(BAD_IMAGE, bad);
    await patchSpec(ns, 'nc/app', { image: bad });
    const rolledBack = await waitFor<NativeContainer>(
      'rolled back from app:bad',
      ['-n', ns, 'nc', 'app'],
      (o) => condition(o, 'RolledBack')?.status === 'True' && runs(o, digests['v1']!),
      operator,
    );
    expect(rolledBack.status?.rollback?.specImage).toBe(bad);
    expect(rolledBack.status?.imageHistory?.[1]?.reason).toBe('ImageChanged');
    expect(await execIn(rolledBack.status!.containerID!, ['cat', '/data/file'])).toBe('precious\n');
    // Back to a good spec.image: the rollback ends.
    await patchSpec(ns, 'nc/app', { image: app });
    const back = await waitFor<NativeContainer>(
      'running app:1 from the spec',
      ['-n', ns, 'nc', 'app'],
      (o) => o.status?.rollback === undefined && condition(o, 'Ready')?.reason === 'Running',
      operator,
    );
    expect(runs(back, digests['v1']!)).toBe(true);
  });

  it('never shows the password or its base64 in status, Events, labels, the environment or the operator log', async () => {
    const [info] = await containersOf(ns, 'app');
    const inspect = await docker().getContainer(info!.Id).inspect();
    const everything = [
      JSON.stringify(await getJson<unknown>(['get', '-n', ns, 'nc,csec'])),
      JSON.stringify(await getJson<unknown>(['get', '-n', ns, 'events'])),
      JSON.stringify(inspect.Config.Labels),
      JSON.stringify(inspect.Config.Env),
      readFileSync(operator.logFile, 'utf8'),
    ].join('\n');
    expect(everything).toContain(registry.username);
    expect(everything).not.toContain(registry.password);
    expect(everything).not.toContain(Buffer.from(`${registry.username}:${registry.password}`).toString('base64'));
  });
});
