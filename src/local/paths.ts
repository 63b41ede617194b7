import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Root of everything the harness caches or writes: binaries, docker data, per-run state. */
export function cacheDir(): string {
  return process.env['NCO_CACHE'] ?? join(homedir(), '.cache', 'native-container-operator');
}

/**
 * Where per-run state lives: run dirs and the private Docker daemon. $NCO_STATE_DIR gives
 * several checkouts on one machine their own daemons and run dirs, while binaries and
 * certificates stay shared in cacheDir().
 */
export function stateDir(): string {
  return process.env['NCO_STATE_DIR'] ?? cacheDir();
}

export function binDir(): string {
  return join(cacheDir(), 'bin');
}

/** A fresh (emptied) state directory for one run of a component, e.g. run/control-plane. */
export function runDir(name: string): string {
  const dir = join(stateDir(), 'run', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Path of a cached binary (etcd, kube-apiserver, kubectl, helm); throws if it was never built. */
export function binary(name: string): string {
  const path = join(binDir(), name);
  if (!existsSync(path)) {
    throw new Error(`${name} not found at ${path}: run bash src/local/build-binaries.sh`);
  }
  return path;
}
