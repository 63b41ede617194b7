// The hostile-input corpus (test/hostile/*.yaml) through the real API server, with the real
// operator at debug level and the real Docker daemon. Every entry is created with kubectl: a
// rejected one must be refused with a message naming its field and never stored; an accepted one
// must end in its condition (no container running) or become Ready, with command, args and env
// reaching the process as written. A healthy resource applied while the corpus is going through
// becomes Ready, and the operator is still running at the end.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import { isCondition, isRejected, loadCorpus, outcomeIn, type HostileEntry } from '../hostile/corpus.ts';
import { cleanupSteps } from './cleanup.ts';
import { condition, execIn, kubectlApply, refusedAtAdmission, sleeper, waitFor } from './helpers.ts';
import { containersOf, createNamespace, docker, kubectl, startOperator } from './support.ts';

const CORPUS = loadCorpus();
const rejected = CORPUS.filter((e) => isRejected(outcomeIn(e, 'e2e')));
const accepted = CORPUS.filter((e) => !isRejected(outcomeIn(e, 'e2e')));

function manifest(name: string, spec: unknown): string {
  return JSON.stringify({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name },
    spec,
  });
}

/** Runs `work` over `items`, `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(work));
}

describe('the hostile corpus through the API server and the operator', () => {
  let ns: string;
  let operator: ProcessHandle;
  const refusals = new Map<string, { code: number; stderr: string; stored: boolean }>();

  beforeAll(async () => {
    ns = await createNamespace('hostile');
    operator = startOperator('hostile');
    // The operator writes the admission policy of the NativeContainerPolicies as it starts; the
    // policy entries are refused by it, so wait until the API server enforces it.
    await refusedAtAdmission(ns, sleeper('admission-probe', { securityContext: { privileged: true } }));
    // The accepted entries (and holders first) go in while the rejected ones are being sent, and
    // a healthy resource in the middle of it all.
    const holders = accepted.filter((e) => e.holder);
    await inBatches(holders, 4, (e) =>
      kubectl(['create', '-n', ns, '-f', '-'], { input: manifest(`${e.name}-holder`, e.holder) }).then(() => undefined),
    );
    await inBatches(holders, 4, async (e) => {
      await waitFor<NativeContainer>(
        `${e.name}-holder Ready`,
        ['-n', ns, 'nc', `${e.name}-holder`],
        (o) => condition(o, 'Ready')?.status === 'True',
        operator,
      );
    });
    const send = async (e: HostileEntry): Promise<void> => {
      const res = await kubectl(['create', '-n', ns, '-f', '-'], { input: manifest(e.name, e.spec), allowFail: true });
      const stored = (await kubectl(['get', '-n', ns, 'nc', e.name, '-o', 'name'], { allowFail: true })).code === 0;
      refusals.set(e.name, { code: res.code, stderr: res.stderr, stored });
    };
    const half = Math.floor(rejected.length / 2);
    await inBatches(accepted, 4, send);
    await inBatches(rejected.slice(0, half), 4, send);
    await kubectlApply(ns, sleeper('healthy-during-the-run'));
    await inBatches(rejected.slice(half), 4, send);
  });

  afterAll(async () => {
    await cleanupSteps([
      () => kubectl(['delete', 'nc', '--all', '-n', ns, '--timeout=120s'], { allowFail: true }),
      () => operator?.stop(),
    ]);
  });

  it.each(rejected.map((e) => ({ ...e, label: `${e.file}: ${e.name}` })))(
    'the API server refuses $label ($wrong) with a clear message, and stores nothing',
    (entry) => {
      const outcome = outcomeIn(entry, 'e2e') as { rejected: string; message?: string };
      const res = refusals.get(entry.name)!;
      expect(res.code).not.toBe(0);
      expect(res.stored).toBe(false);
      if (outcome.rejected) expect(res.stderr).toMatch(new RegExp(`${outcome.rejected}[:\\[. "]`));
      if (outcome.message) expect(res.stderr).toMatch(new RegExp(outcome.message));
    },
  );

  it.each(accepted.map((e) => ({ ...e, label: `${e.file}: ${e.name}` })))(
    'the operator takes $label ($wrong) to its outcome',
    async (entry) => {
      const outcome = outcomeIn(entry, 'e2e');
      expect(refusals.get(entry.name)).toMatchObject({ code: 0, stored: true });
      const args = ['-n', ns, 'nc', entry.name];
      if (isCondition(outcome)) {
        const nc = await waitFor<NativeContainer>(
          `${entry.name} ${outcome.condition}`,
          args,
          (o) => condition(o, 'Ready')?.reason === outcome.condition,
          operator,
        );
        expect(condition(nc, 'Ready')?.status).toBe('False');
        if (outcome.message) expect(condition(nc, 'Ready')?.message).toMatch(new RegExp(outcome.message));
        const running = (await containersOf(ns, entry.name)).filter((c) => c.State === 'running');
        expect(running).toEqual([]);
        return;
      }
      const ready = outcome as { ready: true; literal?: boolean; labels?: Record<string, string> };
      await waitFor<NativeContainer>(
        `${entry.name} Ready`,
        args,
        (o) => condition(o, 'Ready')?.status === 'True',
        operator,
      );
      const [info] = await containersOf(ns, entry.name);
      const inspected = await docker().getContainer(info!.Id).inspect();
      if (ready.labels) expect(inspected.Config.Labels).toMatchObject(ready.labels);
      if (ready.literal) await expectLiteral(entry, inspected);
    },
  );

  it('makes a healthy resource applied in the middle of the corpus Ready, and the operator is still running', async () => {
    await waitFor<NativeContainer>(
      'healthy Ready',
      ['-n', ns, 'nc', 'healthy-during-the-run'],
      (o) => condition(o, 'Ready')?.status === 'True',
      operator,
    );
    expect(operator.hasExited()).toBe(false);
    // A start Docker refuses is remembered (status.startRefused), not retried on its own die event:
    // the corpus run is long enough for a loop to show (it once made 124 starts here).
    const failedStarts = readFileSync(operator.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`"key":"${ns}/command-semicolon"`) && l.includes('"msg":"plan failed"'));
    expect(failedStarts.length).toBeLessThanOrEqual(2);
    const [info] = await containersOf(ns, 'healthy-during-the-run');
    expect(info?.Image).toBe(TEST_IMAGE);
  });
});

interface Inspected {
  Id: string;
  Path: string;
  Args: string[];
  Config: { Env: string[]; Labels: Record<string, string> };
}

/** Docker runs exactly command + args, with the env as written, and no payload ran a shell. */
async function expectLiteral(entry: HostileEntry, inspected: Inspected): Promise<void> {
  const spec = entry.spec as { command: string[]; args?: string[]; env?: { name: string; value?: string }[] };
  expect([inspected.Path, ...inspected.Args]).toEqual([...spec.command, ...(spec.args ?? [])]);
  for (const e of spec.env ?? []) expect(inspected.Config.Env).toContain(`${e.name}=${e.value ?? ''}`);
  if (!spec.command.join(' ').includes('/tmp/argv')) return;
  const args = spec.args ?? [];
  // printf "%s\n" prints one line an argument, and one empty line without any.
  const expected = args.length > 0 ? args.map((a) => `${a}\n`).join('') : '\n';
  await expectEventually(async () => (await execIn(inspected.Id, ['cat', '/tmp/argv'])) === expected);
  expect(await execIn(inspected.Id, ['cat', '/tmp/argv'])).toBe(expected);
  expect(await execIn(inspected.Id, ['/bin/sh', '-c', 'test ! -e /tmp/pwned && echo absent'])).toBe('absent\n');
}

/** The script writes /tmp/argv as its first step, which may not have happened when Ready. */
async function expectEventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
