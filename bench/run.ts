// Benchmarks: what the operator adds on top of the raw Docker API, measured in the same run on
// the same daemon and API server, with the goals of issue 8. Prints a table, writes
// bench/results/latest.json; asserts nothing (timing goals live here, never in tests).
//   npm run bench                      # every row (about 20 min: 500 resources idle for 10 min)
//   npm run bench -- --quick           # without the 500-resource rows (about 3 min)
//   npm run bench -- --only=kill,stop  # some rows: one, heal, fifty, kill, stop, delete, scale, imagebuild
//   npm run bench -- --only=scheduler  # the pure scheduler alone, without daemons (seconds)
//   npm run bench -- --only=hosts      # NCO_BENCH_HOSTS dockerds in network namespaces x NCO_BENCH_PER_HOST
//                                        (written to bench/results/only-<rows>.json, not latest.json)
//   NCO_BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- --quick
import { runAll } from '../src/local/cleanup.ts';
import { stopAll, stopAllOnSignals } from '../src/local/processes.ts';
import { imageBuild } from './imagebuild.ts';
import { machine, table, writeResults, type Row } from './report.ts';
import { scale } from './scale.ts';
import { schedulerRows } from './scheduler.ts';
import { heal } from './heal.ts';
import { hosts } from './hosts.ts';
import { fifty, kill, one, remove, stop } from './scenarios.ts';
import { removeLeftovers, setUp, startOperator, type Bench } from './setup.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (name: string): boolean => (only ? only.includes(name) : name !== 'scale' || !quick);
// Neither row is in a full run: the scheduler needs nothing started, hosts starts many dockerds.
const schedulerOnly = only?.length === 1 && only[0] === 'scheduler';
const hostsWanted = only?.includes('hosts') ?? false;
const idleMs = Number(process.env['NCO_BENCH_IDLE_SECONDS'] ?? 600) * 1000;

/** Runs one scenario with a line on stderr before and after, so a long run shows where it is. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  process.stderr.write(`bench: ${name} ...\n`);
  const result = await run();
  process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return result;
}

async function main(): Promise<void> {
  stopAllOnSignals();
  // The pure scheduler needs no daemon and no API server.
  if (schedulerOnly) return reportSchedulerOnly();
  const b = await setUp();
  const rows: Row[] = [];
  try {
    await startOperator(b, 2);
    if (wanted('one')) rows.push(...(await step('one', () => one(b))));
    if (wanted('heal')) rows.push(...(await step('heal', () => heal(b))));
    let workers = 8;
    const needFifty = ['fifty', 'kill', 'stop', 'delete'].some(wanted);
    if (needFifty) {
      const f = await step('fifty', () => fifty(b));
      workers = f.workers;
      if (wanted('fifty')) rows.push(...f.rows);
      if (wanted('kill')) rows.push(...(await step('kill', () => kill(b))));
      if (wanted('stop')) rows.push(...(await step('stop', () => stop(b))));
      rows.push(...(await step('delete', () => remove(b, workers))).filter(() => wanted('delete')));
    }
    if (wanted('imagebuild')) rows.push(...(await step('imagebuild', () => imageBuild(b))));
    if (wanted('scale')) rows.push(...(await step('scale', () => scale(b, workers, idleMs))));
    // Many hosts: only on request (it starts NCO_BENCH_HOSTS dockerds).
    if (hostsWanted) rows.push(...(await step('hosts', () => hosts(b, workers))));
    report(rows, (await b.docker.version()).Version);
  } finally {
    await tearDown(b);
  }
}

function reportSchedulerOnly(): void {
  const rows = schedulerRows();
  process.stdout.write(`\nscheduler benchmark, ${new Date().toISOString()}\n\n${table(rows)}\n\n`);
  for (const r of rows) if (r.detail) process.stdout.write(`${r.key}: ${JSON.stringify(r.detail)}\n`);
  process.stdout.write(`\nwritten to ${writeResults(rows, machine(''), 'only-scheduler.json')}\n`);
}

function report(rows: Row[], dockerVersion: string): void {
  const info = machine(dockerVersion);
  process.stdout.write(`\nnative-container-operator benchmark, ${new Date().toISOString()}\n`);
  process.stdout.write(
    `machine: ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, Linux ${info.kernel}, Node ${info.node}, Docker ${info.docker}, NetworkMode none\n\n`,
  );
  process.stdout.write(`${table(rows)}\n\n`);
  for (const r of rows) if (r.detail) process.stdout.write(`${r.key}: ${JSON.stringify(r.detail)}\n`);
  const file = only ? `only-${only.join('-')}.json` : 'latest.json';
  process.stdout.write(`\nwritten to ${writeResults(rows, info, file)}\n`);
}

async function tearDown(b: Bench): Promise<void> {
  await runAll([
    () => b.operator?.handle.stop(),
    () => removeLeftovers(b.docker),
    () => {
      b.events.close();
      b.rawEvents.close();
    },
    () => b.counter.close(),
    () => b.cp.stop(),
    () => b.dockerEnv.stop(),
  ]);
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);
