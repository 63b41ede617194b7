// README command 1 as a user runs it: `bash scripts/demo.sh`, then Ctrl-C, which a terminal sends
// to the whole foreground process group. The demo must delete the examples (the operator removes
// their containers), stop everything it started, and exit 0.
//
// It runs against the suite's dockerd (NCO_DOCKER_HOST), which it does not start and so does not
// stop: that is what lets this test look afterwards for containers the demo left behind. Its
// control plane and operator are its own, in a state directory of their own.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { stateDir } from '../../src/local/paths.ts';
import { isAlive, terminatePid, waitFor } from '../../src/local/processes.ts';
import { docker, env, ROOT } from './support.ts';

/** Every process below pid, by parent links. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parents) {
      if (parent !== p || found.includes(child)) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const exampleContainers = async () =>
  docker().listContainers({ all: true, filters: { label: [`${LABELS.ownerNamespace}=default`] } });

describe('the demo, README command 1', () => {
  let demo: ChildProcess | undefined;
  let seen: number[] = [];

  afterAll(async () => {
    // Only if the test failed half-way: what the demo started must not outlive the run.
    for (const pid of [demo?.pid ?? 0, ...seen]) if (pid && isAlive(pid)) await terminatePid(pid, 5000);
  });

  it('deletes the examples and stops everything it started on Ctrl-C, and exits 0', async () => {
    expect(await exampleContainers()).toEqual([]);
    let output = '';
    demo = spawn('bash', ['scripts/demo.sh'], {
      cwd: ROOT,
      // A process group of its own, as a shell gives a foreground job.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NCO_DOCKER_HOST: env().dockerHost, NCO_STATE_DIR: join(stateDir(), 'demo-test') },
    });
    demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));
    await waitFor('the demo says how to stop it', () => Promise.resolve(output.includes('Press Ctrl-C to stop')), {
      timeoutMs: 300_000,
      intervalMs: 200,
    });
    expect(output).toMatch(/examples applied and Ready/);
    expect((await exampleContainers()).length).toBeGreaterThanOrEqual(10);
    seen = descendants(demo.pid!);
    expect(seen.length).toBeGreaterThanOrEqual(4);

    process.kill(-demo.pid!, 'SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 180_000)),
    ]);
    expect(code, output).toBe(0);
    expect(output).toContain('the examples and their containers are gone');
    expect(await exampleContainers()).toEqual([]);
    expect(seen.filter((pid) => isAlive(pid))).toEqual([]);
  });
});
