// Ends what an interrupted run left: processes the harness started whose starter is gone (see
// pid-registry.ts), then the mounts their Docker daemons leave. Run by scripts/test.sh on every
// exit, Ctrl-C included, with its own process group: the test workers of an interrupted run may
// still be dying when it ends, so what they started counts as left over too, after a grace
// period in which they may stop it themselves:
//   node src/local/stop-leftovers.ts [--group=PGID]
import { runAll } from './cleanup.ts';
import { unmountUnder } from './mounts.ts';
import { removeLeftoverNetns } from './netns.ts';
import { forget, leftovers, ownerAlive } from './pid-registry.ts';
import { terminatePid } from './processes.ts';

const OWNER_GRACE_MS = 15_000;

export async function stopLeftovers(group?: string): Promise<string[]> {
  const deadline = Date.now() + OWNER_GRACE_MS;
  while (leftovers(group).some(ownerAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const found = leftovers(group);
  // Dependents first (an operator before its API server and Docker), then the rest together.
  const daemons = found.filter((e) => e.mountsUnder);
  const others = found.filter((e) => !e.mountsUnder);
  await Promise.allSettled(others.map((e) => terminatePid(e.pid)));
  await Promise.allSettled(daemons.map((e) => terminatePid(e.pid, 20_000)));
  await runAll([
    ...found.map((e) => () => Promise.resolve(forget(e.pid))),
    ...daemons.map((e) => () => unmountUnder(e.mountsUnder!)),
  ]);
  // Network namespaces (Docker hosts, the aggregated API's forwarder) go once their daemons stopped.
  const namespaces = removeLeftoverNetns(group).map((n) => `network namespace ${n}`);
  return [...found.map((e) => `${e.name} (pid ${e.pid})`), ...namespaces];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const group = process.argv.find((a) => a.startsWith('--group='))?.slice('--group='.length);
  stopLeftovers(group).then(
    (stopped) => {
      if (stopped.length > 0) process.stderr.write(`stopped what an interrupted run left: ${stopped.join(', ')}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`stopping leftovers failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
