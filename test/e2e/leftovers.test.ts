// An interrupted test run leaves nothing running: what a killed starter left is found by the
// PID registry and ended, and what a living starter runs is left alone.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exec } from '../../src/local/exec.ts';
import { groupOf, leftovers } from '../../src/local/pid-registry.ts';
import { isAlive, waitFor } from '../../src/local/processes.ts';
import { stopLeftovers } from '../../src/local/stop-leftovers.ts';
import { cleanupSteps } from './cleanup.ts';

const dir = mkdtempSync(join(tmpdir(), 'nco-leftovers-'));
const saved = process.env['NCO_STATE_DIR'];
const started: number[] = [];

afterAll(async () => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  // What a failed test left (its network namespace): swept while its record is still there.
  process.env['NCO_STATE_DIR'] = dir;
  await cleanupSteps([
    () => stopLeftovers(),
    () => {
      process.env['NCO_STATE_DIR'] = saved;
      rmSync(dir, { recursive: true, force: true });
    },
  ]);
});

/** A Node process that starts `sleep` through the harness, prints both PIDs, and waits. */
async function starter(): Promise<{ starter: number; child: number }> {
  const script = `
    import { startProcess } from ${JSON.stringify(new URL('../../src/local/processes.ts', import.meta.url).href)};
    const h = startProcess({ name: 'sleeper', command: 'sleep', args: ['300'], logFile: ${JSON.stringify(join(dir, 'sleep.log'))} });
    console.log(JSON.stringify({ starter: process.pid, child: h.pid }));
    setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NCO_STATE_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout.once('data', (d: Buffer) => resolve(d.toString()));
    proc.once('exit', (code) => reject(new Error(`starter exited ${code}`)));
  });
  const pids = JSON.parse(line) as { starter: number; child: number };
  started.push(pids.starter, pids.child);
  return pids;
}

describe('what an interrupted run leaves', () => {
  it('is ended once its starter is gone, and only then', async () => {
    process.env['NCO_STATE_DIR'] = dir;
    const a = await starter();
    // Its starter lives: not a leftover, whatever else runs the sweep.
    expect(leftovers()).toEqual([]);
    expect(await stopLeftovers()).toEqual([]);
    expect(isAlive(a.child)).toBe(true);
    // Unless the run of its starter is ending: scripts/test.sh names its process group.
    expect(leftovers(groupOf(a.starter)).map((e) => e.pid)).toEqual([a.child]);
    expect(leftovers('1')).toEqual([]);

    // SIGKILL, as a test runner kills its worker: no exit hook runs, the child survives it.
    process.kill(a.starter, 'SIGKILL');
    await waitFor('the starter gone', () => Promise.resolve(!isAlive(a.starter)), { timeoutMs: 30_000 });
    expect(isAlive(a.child)).toBe(true);
    expect(leftovers().map((e) => e.pid)).toEqual([a.child]);

    expect(await stopLeftovers()).toEqual([`sleeper (pid ${a.child})`]);
    expect(isAlive(a.child)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('removes a network namespace once its creator is gone, and only then', async () => {
    process.env['NCO_STATE_DIR'] = dir;
    const script = `
      import { createNetns } from ${JSON.stringify(new URL('../../src/local/netns.ts', import.meta.url).href)};
      const n = await createNetns();
      console.log(JSON.stringify({ pid: process.pid, name: n.name }));
      setInterval(() => {}, 1000);`;
    // Its parent is a shell that became `sleep` and never reaps it: killed, the creator stays a
    // zombie, as a killed test worker may until its runner reaps it. A zombie is gone.
    const proc = spawn('sh', ['-c', '"$NODE" --input-type=module -e "$SCRIPT" & exec sleep 300'], {
      env: { ...process.env, NCO_STATE_DIR: dir, NODE: process.execPath, SCRIPT: script },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (proc.pid !== undefined) started.push(proc.pid);
    const created = JSON.parse(
      await new Promise<string>((resolve, reject) => {
        proc.stdout.once('data', (d: Buffer) => resolve(d.toString()));
        proc.once('exit', (code) => reject(new Error(`creator exited ${code}`)));
      }),
    ) as { pid: number; name: string };
    started.push(created.pid);
    const namespaces = async (): Promise<string> => (await exec('ip', ['netns', 'list'])).stdout;
    // Its creator lives: left alone.
    expect(await stopLeftovers()).toEqual([]);
    expect(await namespaces()).toContain(created.name);

    // SIGKILL: no exit hook removes it.
    process.kill(created.pid, 'SIGKILL');
    await waitFor('the creator a zombie', () => Promise.resolve(!isAlive(created.pid)), { timeoutMs: 30_000 });
    expect(existsSync(`/proc/${created.pid}`)).toBe(true);
    expect(await namespaces()).toContain(created.name);
    expect(await stopLeftovers()).toEqual([`network namespace ${created.name}`]);
    expect((await namespaces()).split('\n').map((l) => l.split(' ')[0])).not.toContain(created.name);
  });
});
