// The hostile-input corpus: bad NativeContainer specs kept as data in test/hostile/*.yaml, each
// with what is wrong and what must happen. Two tests read it: test/unit/hostile.test.ts sends
// every entry straight to the reconcile path on the in-memory engine, as if the API server did
// not validate; test/e2e/hostile.test.ts creates every entry through the real API server with the
// real operator and Docker running.
//
// An entry:
//   name:   unique, a DNS label (it becomes the resource's name)
//   wrong:  what is wrong with it, in words
//   spec:   the spec (YAML), or raw: the spec as JSON text
//   holder: optional; a spec applied first, as another resource, which must become Ready
//   expect: the outcome, one of
//     { rejected: <regex of the field path>, message?: <regex> }
//         refused by the API server, and by the reconciler's own validation (reason InvalidSpec);
//         both name the field and the message matches
//     { condition: <Ready's reason>, message?: <regex> }
//         accepted, and the resource's Ready condition ends False with this reason; no container runs
//     { ready: true, literal?: true, labels?: {...} }
//         accepted and Ready; literal: command, args and env reach the process as written
//   e2e / reconciler: optional, an `expect` for that tier only, where the tiers differ (and why).
//
// Macros keep big values small in the files: {$repeat: [text, n]}, {$join: [parts...]},
// {$list: [n, template]} (with {i} and {i+1} in strings; a string that is only one of them
// becomes a number), {$map: [n, keyTemplate, valueTemplate]}.
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Outcome =
  | { rejected: string; message?: string }
  | { condition: string; message?: string }
  | { ready: true; literal?: boolean; labels?: Record<string, string> };

export interface HostileEntry {
  file: string;
  name: string;
  wrong: string;
  spec: unknown;
  holder?: Record<string, unknown>;
  expect: Outcome;
  e2e?: Outcome;
  reconciler?: Outcome;
}

const DIR = new URL('./', import.meta.url);

export function loadCorpus(): HostileEntry[] {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const entries = files.flatMap((file) => {
    const raw = parse(readFileSync(new URL(file, DIR), 'utf8'), { merge: true }) as Record<string, unknown>[];
    return raw.map((e) => toEntry(file, e));
  });
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new Error(`test/hostile: entry name ${e.name} is used twice`);
    names.add(e.name);
  }
  return entries;
}

const KEYS = new Set(['name', 'wrong', 'spec', 'raw', 'holder', 'expect', 'e2e', 'reconciler']);

function toEntry(file: string, e: Record<string, unknown>): HostileEntry {
  const name = String(e['name']);
  // A comma in an unquoted flow-style `wrong` would silently cut it and add a key.
  const unknown = Object.keys(e).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw new Error(`test/hostile/${file}: ${name} has unknown keys ${unknown.join(', ')}`);
  if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(name)) throw new Error(`test/hostile/${file}: bad name ${name}`);
  if (typeof e['wrong'] !== 'string' || e['expect'] === undefined) {
    throw new Error(`test/hostile/${file}: ${name} needs wrong and expect`);
  }
  const raw = e['raw'];
  const spec = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : expand(e['spec']);
  return {
    file,
    name,
    wrong: e['wrong'],
    spec,
    ...(e['holder'] ? { holder: expand(e['holder']) as Record<string, unknown> } : {}),
    expect: e['expect'] as Outcome,
    ...(e['e2e'] ? { e2e: e['e2e'] as Outcome } : {}),
    ...(e['reconciler'] ? { reconciler: e['reconciler'] as Outcome } : {}),
  };
}

/** The outcome an entry expects in one tier. */
export function outcomeIn(entry: HostileEntry, tier: 'e2e' | 'reconciler'): Outcome {
  return entry[tier] ?? entry.expect;
}

export function isRejected(o: Outcome): o is { rejected: string; message?: string } {
  return 'rejected' in o;
}

export function isCondition(o: Outcome): o is { condition: string; message?: string } {
  return 'condition' in o;
}

type Macro = (args: unknown[]) => unknown;

const MACROS: Record<string, Macro> = {
  $repeat: ([text, n]) => String(text).repeat(Number(n)),
  $join: (parts) => parts.map((p) => String(expand(p))).join(''),
  $list: ([n, template]) => Array.from({ length: Number(n) }, (_, i) => fill(template, i)),
  $map: ([n, key, value]) =>
    Object.fromEntries(Array.from({ length: Number(n) }, (_, i) => [String(fill(key, i)), fill(value, i)])),
};

function expand(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(expand);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && first[0] in MACROS) {
    const args = first[1] as unknown[];
    return MACROS[first[0]]!(args.map((a) => (typeof a === 'object' ? expand(a) : a)));
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, expand(v)]));
}

/** A template with {i} (from 0) and {i+1} filled in. */
function fill(template: unknown, i: number): unknown {
  if (typeof template === 'string') {
    if (template === '{i}') return i;
    if (template === '{i+1}') return i + 1;
    return template.replaceAll('{i+1}', String(i + 1)).replaceAll('{i}', String(i));
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, i));
  if (template && typeof template === 'object') {
    const expanded = expand(template);
    if (typeof expanded !== 'object' || expanded === null) return expanded;
    return Object.fromEntries(Object.entries(expanded).map(([k, v]) => [k, fill(v, i)]));
  }
  return template;
}
