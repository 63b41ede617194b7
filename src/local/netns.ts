// Network namespaces joined to the root namespace by a veth pair: several "machines" on one,
// each with an address of its own, for Docker hosts the operator reaches over TCP or SSH.
// Addresses come from one small private range (10.231.N.0/24) that no interface uses, picked and
// checked here; each namespace takes a /30 of it. Traffic goes only between these addresses.
//
// Every namespace is written down under <state dir>/run/netns with its creator, so that
// stop-leftovers removes those of a run that died (see removeLeftoverNamespaces).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execError } from './exec.ts';
import { stateDir } from './paths.ts';
import { startTimeOf } from './pid-registry.ts';

export interface Netns {
  name: string;
  /** The address inside the namespace (where its daemons listen). */
  address: string;
  /** The root namespace's end of the veth pair. */
  peer: string;
  remove(): Promise<void>;
}

interface Record {
  name: string;
  outside: string;
  owner: { pid: number; startTime: string };
}

function registryDir(): string {
  return join(stateDir(), 'run', 'netns');
}

async function ip(args: string[]): Promise<string> {
  const res = await exec('ip', args);
  if (res.code !== 0) throw execError(`ip ${args.join(' ')}`, res);
  return res.stdout;
}

/** A /24 of 10.231.0.0/16 that no interface has an address in: "10.231.N". */
export async function freeSubnet(): Promise<string> {
  const used = await ip(['-o', '-4', 'addr']);
  for (let n = 0; n < 256; n++) {
    const prefix = `10.231.${n}`;
    if (!used.includes(` ${prefix}.`)) return prefix;
  }
  throw new Error('no free /24 in 10.231.0.0/16');
}

/**
 * Creates namespace `name` with a veth pair; index picks the /30 of the subnet (index 0:
 * .1 outside, .2 inside). Interface names are at most 15 characters: `tag` keeps them short.
 */
export async function createNetns(name: string, subnet: string, index: number, tag: string): Promise<Netns> {
  const outside = `${tag}o`;
  const inside = `${tag}i`;
  const peer = `${subnet}.${index * 4 + 1}`;
  const address = `${subnet}.${index * 4 + 2}`;
  const ns: Netns = {
    name,
    address,
    peer,
    remove: async () => {
      await exec('ip', ['link', 'del', outside]);
      await exec('ip', ['netns', 'del', name]);
      rmSync(join(registryDir(), name), { force: true });
    },
  };
  mkdirSync(registryDir(), { recursive: true });
  const record: Record = { name, outside, owner: { pid: process.pid, startTime: startTimeOf(process.pid) ?? '' } };
  writeFileSync(join(registryDir(), name), JSON.stringify(record));
  try {
    await ip(['netns', 'add', name]);
    await ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
    await ip(['link', 'set', inside, 'netns', name]);
    await ip(['addr', 'add', `${peer}/30`, 'dev', outside]);
    await ip(['link', 'set', outside, 'up']);
    await ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', inside]);
    await ip(['netns', 'exec', name, 'ip', 'link', 'set', inside, 'up']);
    await ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    await ns.remove();
    throw err;
  }
  return ns;
}

/** Removes the namespaces whose creator is gone (an interrupted run). */
export async function removeLeftoverNamespaces(): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(registryDir());
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const file of files) {
    const path = join(registryDir(), file);
    let r: Record;
    try {
      r = JSON.parse(readFileSync(path, 'utf8')) as Record;
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (startTimeOf(r.owner.pid) === r.owner.startTime) continue;
    await exec('ip', ['link', 'del', r.outside]);
    await exec('ip', ['netns', 'del', r.name]);
    rmSync(path, { force: true });
    removed.push(r.name);
  }
  return removed;
}
