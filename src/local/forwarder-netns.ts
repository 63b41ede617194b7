// A network namespace joined to the root namespace by a veth pair, for servers that must be
// reached at a non-loopback address (an Endpoints address may not be loopback). The addresses
// come from a small private range, a /30 that no interface uses yet; traffic goes only between
// the two ends. Every namespace is written down like the processes (pid-registry.ts), removed on
// remove(), at process exit, and by stop-leftovers when its starter died.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execError } from './exec.ts';
import { stateDir } from './paths.ts';
import { groupOf, startTimeOf } from './pid-registry.ts';

/** 10.234.0.0/24 in /30 blocks: .4k+1 on the root side, .4k+2 inside. */
const RANGE = '10.234.0.';
const BLOCKS = 64;

export interface Netns {
  name: string;
  /** The root namespace's end of the veth pair. */
  hostAddress: string;
  /** The address inside the namespace. */
  address: string;
  /** The command and arguments that run `command` inside the namespace. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  remove(): Promise<void>;
}

interface Recorded {
  name: string;
  hostLink: string;
  owner: { pid: number; startTime: string; group: string };
}

const live = new Map<string, Recorded>();
let hookInstalled = false;

function registryDir(): string {
  return join(stateDir(), 'run', 'netns');
}

export async function createNetns(prefix = 'nco-sub'): Promise<Netns> {
  installExitHook();
  const used = (await ip(['-o', 'addr'])).stdout;
  const namespaces = (await ip(['netns', 'list'])).stdout;
  for (let k = 1; k < BLOCKS; k++) {
    const [hostAddress, address] = [`${RANGE}${4 * k + 1}`, `${RANGE}${4 * k + 2}`];
    const block = [0, 1, 2, 3].map((i) => `${RANGE}${4 * k + i}/`);
    const name = `${prefix}-${k}`;
    if (
      block.some((a) => used.includes(`inet ${a}`)) ||
      namespaces.split('\n').some((l) => l.startsWith(`${name} `) || l === name)
    )
      continue;
    const hostLink = `${prefix.slice(0, 8)}${k}o`;
    // Another process may take the same block at the same time: `ip netns add` of a taken name fails.
    if ((await ip(['netns', 'add', name], true)).code !== 0) continue;
    const entry = record(name, hostLink);
    try {
      await joinByVeth(name, hostLink, `${prefix.slice(0, 8)}${k}i`, hostAddress, address);
    } catch (err) {
      removeNow(entry);
      throw err;
    }
    return {
      name,
      hostAddress,
      address,
      wrap: (command, args) => ({ command: 'ip', args: ['netns', 'exec', name, command, ...args] }),
      remove: () => Promise.resolve(removeNow(entry)),
    };
  }
  throw new Error(`no free /30 in ${RANGE}0/24 for a network namespace`);
}

async function joinByVeth(
  name: string,
  hostLink: string,
  nsLink: string,
  hostAddress: string,
  address: string,
): Promise<void> {
  const steps: string[][] = [
    ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink],
    ['link', 'set', nsLink, 'netns', name],
    ['addr', 'add', `${hostAddress}/30`, 'dev', hostLink],
    ['link', 'set', hostLink, 'up'],
    ['netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsLink],
    ['netns', 'exec', name, 'ip', 'link', 'set', nsLink, 'up'],
    ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'],
  ];
  for (const step of steps) await ip(step);
}

async function ip(args: string[], allowFail = false): Promise<{ code: number; stdout: string }> {
  const res = await exec('ip', args);
  if (res.code !== 0 && !allowFail) throw execError(`ip ${args.join(' ')}`, res);
  return res;
}

function record(name: string, hostLink: string): Recorded {
  const owner = { pid: process.pid, startTime: startTimeOf(process.pid) ?? '', group: groupOf(process.pid) ?? '' };
  const entry = { name, hostLink, owner };
  mkdirSync(registryDir(), { recursive: true });
  writeFileSync(join(registryDir(), name), JSON.stringify(entry));
  live.set(name, entry);
  return entry;
}

/** Synchronous, so that it can run in an exit handler; what is already gone is fine. */
function removeNow(entry: Recorded): void {
  for (const args of [
    ['link', 'del', entry.hostLink],
    ['netns', 'del', entry.name],
  ]) {
    try {
      execFileSync('ip', args, { stdio: 'ignore' });
    } catch {
      // Already gone (deleting one end of a veth pair deletes the other).
    }
  }
  rmSync(join(registryDir(), entry.name), { force: true });
  live.delete(entry.name);
}

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.once('exit', () => {
    for (const entry of [...live.values()]) removeNow(entry);
  });
}

/** Namespaces written down whose starter is gone (or belongs to `group`): removed; returns their names. */
export function removeLeftoverNetns(group?: string): string[] {
  let files: string[];
  try {
    files = readdirSync(registryDir());
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const file of files) {
    let entry: Recorded;
    try {
      entry = JSON.parse(readFileSync(join(registryDir(), file), 'utf8')) as Recorded;
    } catch {
      rmSync(join(registryDir(), file), { force: true });
      continue;
    }
    const ownerAlive = startTimeOf(entry.owner.pid) === entry.owner.startTime;
    if (ownerAlive && (group === undefined || entry.owner.group !== group)) continue;
    removeNow(entry);
    removed.push(entry.name);
  }
  return removed;
}
