// Every long-running process the harness starts is written down under <state dir>/run/pids, and
// crossed out when it exits. A test worker killed by its runner (Ctrl-C on the test command, a
// timeout) cannot stop its children itself: they have process groups of their own, so the
// terminal's signal does not reach them either. `stopLeftovers` ends what is still written
// down, and only that: a PID counts as ours only while its start time is the one recorded, so a
// number the kernel gave to another process since is left alone.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './paths.ts';

/** Who wrote a record down (a process, or a network namespace in netns.ts). */
export interface Owner {
  pid: number;
  startTime: string;
  group: string;
}

export interface Entry {
  pid: number;
  startTime: string;
  name: string;
  /** The process that started it: while that one lives, the entry is its business. */
  owner: Owner;
  /** A directory whose mounts go with the process (a Docker daemon's). */
  mountsUnder?: string;
}

function registryDir(): string {
  return join(stateDir(), 'run', 'pids');
}

/** Fields of /proc/PID/stat after the command name (index 0 is field 3), or undefined when gone. */
function statOf(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The kernel's start time of a process (field 22), or undefined when gone. */
export function startTimeOf(pid: number): string | undefined {
  return statOf(pid)?.[19];
}

/** The process group of a process (field 5). */
export function groupOf(pid: number): string | undefined {
  return statOf(pid)?.[2];
}

export function record(pid: number, name: string, mountsUnder?: string): void {
  const startTime = startTimeOf(pid);
  if (startTime === undefined) return;
  const entry: Entry = { pid, startTime, name, owner: thisOwner(), ...(mountsUnder ? { mountsUnder } : {}) };
  mkdirSync(registryDir(), { recursive: true });
  writeFileSync(join(registryDir(), String(pid)), JSON.stringify(entry));
}

export function forget(pid: number): void {
  rmSync(join(registryDir(), String(pid)), { force: true });
}

/** This process, as the owner of what it writes down. */
export function thisOwner(): Owner {
  return { pid: process.pid, startTime: startTimeOf(process.pid) ?? '', group: groupOf(process.pid) ?? '' };
}

/** True while the starter of the entry runs: a zombie (killed, not yet reaped) has stopped. */
export function ownerAlive(e: { owner: Owner }): boolean {
  const stat = statOf(e.owner.pid);
  return stat !== undefined && stat[19] === e.owner.startTime && stat[0] !== 'Z';
}

/** What a record's owner left to the sweep: it is gone, or its run (process `group`) is ending. */
export function ownerDone(e: { owner: Owner }, group: string | undefined): boolean {
  return !ownerAlive(e) || (group !== undefined && e.owner.group === group);
}

/** The JSON records in dir, with their file names; an unreadable one is deleted. */
export function readRecords<T>(dir: string): { file: string; record: T }[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    try {
      return [{ file, record: JSON.parse(readFileSync(join(dir, file), 'utf8')) as T }];
    } catch {
      rmSync(join(dir, file), { force: true });
      return [];
    }
  });
}

/**
 * Processes written down and still running as the same process, whose starter is gone or, when
 * `group` is given, belongs to that process group (a run that is ending: its starters are dying).
 */
export function leftovers(group?: string): Entry[] {
  const alive: Entry[] = [];
  for (const { record: entry } of readRecords<Entry>(registryDir())) {
    if (startTimeOf(entry.pid) !== entry.startTime) forget(entry.pid);
    else if (ownerDone(entry, group)) alive.push(entry);
  }
  return alive;
}
