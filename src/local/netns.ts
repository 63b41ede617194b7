// Network namespaces joined to the root namespace by a veth pair: a server or a Docker host with
// an address of its own that is not loopback (an Endpoints address may not be loopback; several
// Docker hosts are several "machines" on one). Addresses come from one small private range,
// 10.234.0.0/24, in /30 blocks that no interface uses yet; traffic goes only between the two ends
// of each pair. One module serves the aggregated API's forwarder and the multi-host tests.
//
// Every namespace is written down under <state dir>/run/netns with its creator, like the
// processes (pid-registry.ts): removed on remove(), at process exit, and by stop-leftovers when
// its creator died (or belongs to the process group being cleaned up).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execError } from './exec.ts';
import { stateDir } from './paths.ts';
import { ownerDone, readRecords, thisOwner, type Owner } from './pid-registry.ts';

/** 10.234.0.0/24 in /30 blocks: .4k+1 on the root side, .4k+2 inside. */
const RANGE = '10.234.0.';
const BLOCKS = 64;

export interface Netns {
  name: string;
  /** The root namespace's end of the veth pair. */
  hostAddress: string;
  /** The address inside the namespace (where its servers listen). */
  address: string;
  /** The command and arguments that run `command` inside the namespace (see inNetns). */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  remove(): Promise<void>;
}

interface Recorded {
  name: string;
  hostLink: string;
  owner: Owner;
}

const live = new Map<string, Recorded>();
let hookInstalled = false;

function registryDir(): string {
  return join(stateDir(), 'run', 'netns');
}

/**
 * `command args` run in network namespace `name`. nsenter enters only the network namespace and
 * execs the command, so the PID is the command's; `ip netns exec` would also mount a /sys without
 * the cgroup hierarchy that dockerd needs.
 */
export function inNetns(name: string, command: string, args: string[]): { command: string; args: string[] } {
  return { command: 'nsenter', args: [`--net=/run/netns/${name}`, command, ...args] };
}

/**
 * A new namespace in the first free block. The block is claimed by `ip netns add nco-<block>`,
 * which fails when another process (of this run or another) took it first, so two creators
 * never share addresses or interface names.
 */
export async function createNetns(): Promise<Netns> {
  installExitHook();
  const used = (await ip(['-o', 'addr'])).stdout;
  for (let k = 1; k < BLOCKS; k++) {
    const [hostAddress, address] = [`${RANGE}${4 * k + 1}`, `${RANGE}${4 * k + 2}`];
    const block = [0, 1, 2, 3].map((i) => `${RANGE}${4 * k + i}/`);
    if (block.some((a) => used.includes(`inet ${a}`))) continue;
    const name = `nco-${k}`;
    if ((await ip(['netns', 'add', name], true)).code !== 0) continue;
    const hostLink = `nco${k}o`;
    const entry = record(name, hostLink);
    try {
      await joinByVeth(name, hostLink, `nco${k}i`, hostAddress, address);
    } catch (err) {
      removeNow(entry);
      throw err;
    }
    return {
      name,
      hostAddress,
      address,
      wrap: (command, args) => inNetns(name, command, args),
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
  const entry = { name, hostLink, owner: thisOwner() };
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

/** Namespaces written down whose creator is gone (or belongs to `group`): removed; returns their names. */
export function removeLeftoverNetns(group?: string): string[] {
  // As for processes: a creator killed but not yet reaped (a zombie) is gone.
  const done = readRecords<Recorded>(registryDir()).filter(({ record }) => ownerDone(record, group));
  for (const { record } of done) removeNow(record);
  return done.map(({ record }) => record.name);
}
