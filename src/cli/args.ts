// kubectl-nc's command line, parsed the way kubectl reads its own (pure): global flags anywhere
// (-n/--namespace, --context, --kubeconfig), the verb, its flags, and after `--` the command.
import { parseImageReference, repositoryOf } from '../api/image-reference.ts';

export interface Parsed {
  verb: string;
  args: string[];
  flags: Map<string, string | true>;
  /** What follows `--` (exec's command). */
  rest: string[];
  namespace?: string;
  context?: string;
  kubeconfig?: string;
}

/** Short flags and the long names they stand for; booleans take no value. */
const ALIASES: Record<string, string> = {
  n: 'namespace',
  i: 'stdin',
  t: 'tty',
  m: 'message',
};
const BOOLEAN = new Set(['follow', 'timestamps', 'stdin', 'tty', 'push', 'stream', 'help']);

export function parseArgs(argv: string[]): Parsed {
  const dash = argv.indexOf('--');
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  const { flags, positional } = readFlags(dash >= 0 ? argv.slice(0, dash) : argv);
  const [verb = 'help', ...args] = positional;
  const str = (name: string): string | undefined => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const namespace = str('namespace');
  const context = str('context');
  const kubeconfig = str('kubeconfig');
  return {
    verb,
    args,
    flags,
    rest,
    ...(namespace ? { namespace } : {}),
    ...(context ? { context } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
  };
}

function readFlags(words: string[]): { flags: Map<string, string | true>; positional: string[] } {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-') || word === '-') {
      positional.push(word);
      continue;
    }
    // -f is --filename after plan (kubectl apply -f), --follow anywhere else (kubectl logs -f).
    const fIs = positional[0] === 'plan' ? 'filename' : 'follow';
    for (const [flag, inline] of flagNames(word)) {
      const name = flag === 'f' ? fIs : flag;
      if (BOOLEAN.has(name)) flags.set(name, inline ?? true);
      else if (inline !== undefined) flags.set(name, inline);
      else if (i + 1 < words.length) flags.set(name, words[++i]!);
      else throw new Error(`flag --${name} needs a value`);
    }
  }
  return { flags, positional };
}

/** "--tail=5" -> [tail, 5]; "-it" -> [stdin], [tty]; "-n" -> [namespace]; "-f" stays "f" (follow or filename). */
function flagNames(word: string): [string, string | undefined][] {
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    return eq < 0 ? [[word.slice(2), undefined]] : [[word.slice(2, eq), word.slice(eq + 1)]];
  }
  const letters = word.slice(1);
  if (letters.length > 1 && [...letters].every((l) => l === 'i' || l === 't')) {
    return [...letters].map((l) => [ALIASES[l]!, undefined]);
  }
  return [[ALIASES[letters] ?? letters, undefined]];
}

/** Durations as kubectl --since takes them: 30s, 5m, 2h, 1h30m. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: use for example 30s, 5m or 1h`);
  }
  const unit = { h: 3600, m: 60, s: 1 } as const;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as 'h' | 'm' | 's'], 0);
}

/**
 * commit's REPOSITORY[:TAG]: the repository as written (a registry's host:port kept) and the tag,
 * latest when none is given. A digest is refused: it names an existing image, and a commit makes a new one.
 */
export function commitTarget(ref: string): { repository: string; tag: string } {
  const parsed = parseImageReference(ref);
  if (parsed.digest !== undefined) {
    throw new Error(`${ref} has a digest: commit names the new image by REPOSITORY[:TAG]`);
  }
  return { repository: repositoryOf(ref), tag: parsed.tag ?? 'latest' };
}
