// kubectl-nc: day-two operations on NativeContainers through the subresource API, and the
// declarative verbs as patches of the spec (as `kubectl rollout restart` patches a Deployment).
// Installed as a kubectl plugin (`kubectl nc ...`) by npm (bin) or krew.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { API_VERSION, NATIVE_CONTAINER, objectPath } from '../api/group.ts';
import type { NativeContainer } from '../api/native-container.ts';
import { subresourcePath, type CommitResult, type PlanResult } from '../api/subresources.ts';
import { commitTarget, parseArgs, parseDuration, type Parsed } from './args.ts';
import { CliError, connect, openStream, request, requestJson, type Connection } from './client.ts';
import { extractTo, packFrom, uploadTarget } from './copy.ts';
import { runStream } from './stream.ts';

const USAGE = `kubectl nc: day-two operations on NativeContainers

  kubectl nc logs NAME [-f] [--tail N] [--since 5m] [--timestamps] [--limit-bytes N]
  kubectl nc exec [-i] [-t] NAME -- COMMAND [ARGS...]
  kubectl nc attach [-i] [-t] NAME
  kubectl nc cp NAME:/path LOCAL     kubectl nc cp LOCAL NAME:/path
  kubectl nc top NAME [--ps-args aux]
  kubectl nc stats NAME [--stream]
  kubectl nc commit NAME REPOSITORY[:TAG] [-m MESSAGE] [--author A] [--push --secret CONTAINERSECRET]
  kubectl nc plan -f FILE.yaml
  kubectl nc start|stop|pause|resume|restart|rebuild NAME

Flags as kubectl's: -n/--namespace, --context, --kubeconfig.
`;

type Command = (c: Connection, p: Parsed) => Promise<number>;

const SPEC_PATCHES: Record<string, () => Record<string, unknown>> = {
  start: () => ({ state: 'Running' }),
  stop: () => ({ state: 'Stopped' }),
  pause: () => ({ state: 'Paused' }),
  resume: () => ({ state: 'Running' }),
  restart: () => ({ restartRequest: new Date().toISOString() }),
  rebuild: () => ({ rebuildRequest: new Date().toISOString() }),
};

const COMMANDS: Record<string, Command> = {
  logs,
  log: logs,
  exec: (c, p) => stream(c, p, 'exec'),
  attach: (c, p) => stream(c, p, 'attach'),
  cp: copy,
  top,
  stats,
  commit,
  plan,
  ...Object.fromEntries(
    Object.keys(SPEC_PATCHES).map((verb) => [verb, (c: Connection, p: Parsed) => patchSpec(c, p, verb)]),
  ),
};

function nameOf(p: Parsed): string {
  const name = p.args[0];
  if (!name) throw new CliError(`${p.verb} needs the name of a NativeContainer`);
  return name;
}

function flag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

async function logs(c: Connection, p: Parsed): Promise<number> {
  const since = flag(p, 'since');
  const res = await request(c, {
    method: 'GET',
    path: subresourcePath(c.namespace, nameOf(p), 'log'),
    query: {
      follow: p.flags.has('follow') || undefined,
      timestamps: p.flags.has('timestamps') || undefined,
      tailLines: flag(p, 'tail'),
      sinceSeconds: since === undefined ? undefined : parseDuration(since),
      limitBytes: flag(p, 'limit-bytes'),
    },
  });
  res.pipe(process.stdout);
  await new Promise((resolve) => res.once('end', resolve));
  return 0;
}

async function stream(c: Connection, p: Parsed, sub: 'exec' | 'attach'): Promise<number> {
  const name = nameOf(p);
  if (sub === 'exec' && p.rest.length === 0)
    throw new CliError('exec needs a command after --, for example: kubectl nc exec NAME -- sh');
  const stdin = p.flags.has('stdin');
  const tty = p.flags.has('tty') && process.stdin.isTTY === true && stdin;
  const ws = await openStream(c, subresourcePath(c.namespace, name, sub), {
    command: sub === 'exec' ? p.rest : undefined,
    stdin,
    stdout: true,
    stderr: !tty,
    tty,
  });
  if (tty) process.stdin.setRawMode(true);
  try {
    return await runStream(ws, {
      ...(stdin ? { stdin: process.stdin } : {}),
      stdout: process.stdout,
      stderr: process.stderr,
      ...(process.stdout.isTTY
        ? {
            size: () => ({ Width: process.stdout.columns, Height: process.stdout.rows }),
            onResize: (listener: () => void) => {
              process.stdout.on('resize', listener);
              return () => process.stdout.off('resize', listener);
            },
          }
        : {}),
    });
  } finally {
    if (tty) process.stdin.setRawMode(false);
  }
}

async function copy(c: Connection, p: Parsed): Promise<number> {
  const [from, to] = p.args;
  if (!from || !to) throw new CliError('cp needs a source and a destination, one of them NAME:/path');
  const remote = (s: string): { name: string; path: string } | undefined => {
    const m = /^([a-z0-9][-a-z0-9.]*):(\/.*)$/.exec(s);
    return m ? { name: m[1]!, path: m[2]! } : undefined;
  };
  const src = remote(from);
  const dst = remote(to);
  if (src && !dst) {
    const res = await request(c, {
      method: 'GET',
      path: subresourcePath(c.namespace, src.name, 'archive'),
      query: { path: src.path },
    });
    await extractTo(res, src.path, to);
    return 0;
  }
  if (dst && !src) {
    const { dir, name } = uploadTarget(dst.path, from);
    const res = await request(c, {
      method: 'PUT',
      path: subresourcePath(c.namespace, dst.name, 'archive'),
      query: { path: dir },
      body: packFrom(from, name),
      contentType: 'application/x-tar',
    });
    res.resume();
    return 0;
  }
  throw new CliError('cp copies between a container and the local disk: exactly one of the two is NAME:/path');
}

async function top(c: Connection, p: Parsed): Promise<number> {
  const list = await requestJson<{ titles: string[]; processes: string[][] }>(c, {
    method: 'GET',
    path: subresourcePath(c.namespace, nameOf(p), 'top'),
    query: { ps_args: flag(p, 'ps-args') },
  });
  process.stdout.write(table([list.titles, ...list.processes]));
  return 0;
}

async function stats(c: Connection, p: Parsed): Promise<number> {
  const res = await request(c, {
    method: 'GET',
    path: subresourcePath(c.namespace, nameOf(p), 'stats'),
    query: { stream: p.flags.has('stream') || undefined },
  });
  res.pipe(process.stdout);
  await new Promise((resolve) => res.once('end', resolve));
  if (!p.flags.has('stream')) process.stdout.write('\n');
  return 0;
}

async function commit(c: Connection, p: Parsed): Promise<number> {
  const ref = p.args[1];
  if (!ref) throw new CliError('commit needs NAME and REPOSITORY[:TAG]');
  const { repository, tag } = commitTarget(ref);
  const secret = flag(p, 'secret');
  if (p.flags.has('push') && !secret)
    throw new CliError('--push needs --secret CONTAINERSECRET (the registry credentials)');
  const result = await requestJson<CommitResult>(c, {
    method: 'POST',
    path: subresourcePath(c.namespace, nameOf(p), 'commit'),
    body: JSON.stringify({
      repository,
      tag,
      message: flag(p, 'message'),
      author: flag(p, 'author'),
      ...(p.flags.has('push') ? { push: { secretName: secret } } : {}),
    }),
    contentType: 'application/json',
  });
  process.stdout.write(`${result.image} ${result.imageID}${result.pushed ? ` pushed ${result.digest ?? ''}` : ''}\n`);
  return 0;
}

async function plan(c: Connection, p: Parsed): Promise<number> {
  const file = flag(p, 'filename');
  if (!file) throw new CliError('plan needs -f FILE.yaml (a NativeContainer manifest)');
  const manifest = parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as NativeContainer;
  if (manifest?.kind !== 'NativeContainer' || !manifest.metadata?.name)
    throw new CliError(`${file} is not a NativeContainer manifest`);
  const namespace = manifest.metadata.namespace ?? c.namespace;
  const result = await requestJson<PlanResult>(c, {
    method: 'POST',
    path: subresourcePath(namespace, manifest.metadata.name, 'plan'),
    body: JSON.stringify(manifest),
    contentType: 'application/json',
  });
  if (result.problem) process.stdout.write(`cannot plan: ${result.problem}\n`);
  else if (result.operations.length === 0) process.stdout.write('no changes\n');
  for (const line of result.operations) process.stdout.write(`${line}\n`);
  if (result.operations.length > 0) process.stdout.write(`effect: ${result.effect}\n`);
  return 0;
}

async function patchSpec(c: Connection, p: Parsed, verb: string): Promise<number> {
  const name = nameOf(p);
  await requestJson<NativeContainer>(c, {
    method: 'PATCH',
    path: objectPath(NATIVE_CONTAINER, c.namespace, name),
    body: JSON.stringify({ apiVersion: API_VERSION, kind: 'NativeContainer', spec: SPEC_PATCHES[verb]!() }),
    contentType: 'application/merge-patch+json',
  });
  process.stdout.write(
    `nativecontainer.nativecontainer.io/${name} ${verb === 'stop' ? 'stopp' : verb.replace(/e$/, '')}ed\n`,
  );
  return 0;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}

export { CliError };

export async function main(argv: string[]): Promise<number> {
  const p = parseArgs(argv);
  if (p.verb === 'help' || p.flags.has('help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = COMMANDS[p.verb];
  if (!command) throw new CliError(`unknown command ${JSON.stringify(p.verb)}\n${USAGE}`);
  return command(connect(p), p);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof CliError ? err.exitCode : 1);
    },
  );
}
