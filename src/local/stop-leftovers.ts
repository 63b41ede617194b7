// Ends what an interrupted run left: processes the harness started whose starter is gone (see
// pid-registry.ts), then the mounts their Docker daemons leave. Run by scripts/test.sh on every
// exit, Ctrl-C included:  node src/local/stop-leftovers.ts
import { runAll } from './cleanup.ts';
import { unmountUnder } from './mounts.ts';
import { forget, leftovers } from './pid-registry.ts';
import { terminatePid } from './processes.ts';

export async function stopLeftovers(): Promise<string[]> {
  const found = leftovers();
  // Dependents first (an operator before its API server and Docker), then the rest together.
  const daemons = found.filter((e) => e.mountsUnder);
  const others = found.filter((e) => !e.mountsUnder);
  await Promise.allSettled(others.map((e) => terminatePid(e.pid)));
  await Promise.allSettled(daemons.map((e) => terminatePid(e.pid, 20_000)));
  await runAll([
    ...found.map((e) => () => Promise.resolve(forget(e.pid))),
    ...daemons.map((e) => () => unmountUnder(e.mountsUnder!)),
  ]);
  return found.map((e) => `${e.name} (pid ${e.pid})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  stopLeftovers().then(
    (stopped) => {
      if (stopped.length > 0) process.stderr.write(`stopped what an interrupted run left: ${stopped.join(', ')}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`stopping leftovers failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
