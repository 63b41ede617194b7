// TypeScript mirrors of the CEL rules (x-kubernetes-validations) in crds/, keyed by the rule's
// exact text. ajv does not run CEL, so the operator checks each rule with its mirror; a CRD rule
// without a mirror fails the unit tests (test/unit/validate.test.ts), and the end-to-end test
// test/e2e/validation.test.ts shows the API server and these mirrors agree on the same specs.
// Rules of the form self.matches('<regex>') need no hand-written mirror: the regex is taken from
// the rule itself (RE2 and JavaScript agree on the subset used).
import { isIP, isIPv6 } from 'node:net';
import { compareQuantity, parseQuantity } from './quantity.ts';

export type Mirror = (self: unknown) => boolean;

type Obj = Record<string, unknown>;
const has = (o: unknown, field: string): boolean => (o as Obj)[field] !== undefined;
const str = (v: unknown): string => String(v);
/** CEL measures strings in code points. */
const size = (s: string): number => [...s].length;

const MIRRORS: Record<string, Mirror> = {
  // NativeContainer
  "!has(self.maxRetries) || (has(self.restartPolicy) && self.restartPolicy == 'OnFailure')": (s) =>
    !has(s, 'maxRetries') || (s as Obj)['restartPolicy'] === 'OnFailure',
  "!self.split('@')[0].contains('/') || !(self.split('/')[0].contains('.') || self.split('/')[0].contains(':') || self.split('/')[0] == 'localhost' || self.split('/')[0].lowerAscii() != self.split('/')[0]) || self.split('/')[0].size() <= 255":
    (s) => registryLength(str(s)) <= 255,
  "(self.split('@')[0].lastIndexOf(':') > self.split('@')[0].lastIndexOf('/') ? self.split('@')[0].lastIndexOf(':') : self.split('@')[0].size()) - ((self.split('@')[0].contains('/') && (self.split('/')[0].contains('.') || self.split('/')[0].contains(':') || self.split('/')[0] == 'localhost' || self.split('/')[0].lowerAscii() != self.split('/')[0])) ? self.split('/')[0].size() + 1 : 0) <= 256":
    (s) => repositoryLength(str(s)) <= 256,
  "self.startsWith('/')": (s) => str(s).startsWith('/'),
  '!(has(self.value) && has(self.valueFrom))': (s) => !(has(s, 'value') && has(s, 'valueFrom')),
  'has(self.secretKeyRef) != has(self.configMapKeyRef)': (s) => has(s, 'secretKeyRef') !== has(s, 'configMapKeyRef'),
  "self.all(k, !k.startsWith('nativecontainer.io/') && k.size() <= 256)": (s) =>
    Object.keys(s as Obj).every((k) => !k.startsWith('nativecontainer.io/') && size(k) <= 256),
  "quantity(string(self)).compareTo(quantity('10m')) >= 0": (s) => atLeast(s, '10m'),
  "quantity(string(self)).compareTo(quantity('6Mi')) >= 0": (s) => atLeast(s, '6Mi'),
  "quantity(string(self)).compareTo(quantity('1024')) <= 0": (s) => atMost(s, '1024'),
  "quantity(string(self)).compareTo(quantity('1Pi')) <= 0": (s) => atMost(s, '1Pi'),
  '(has(self.command) ? self.command.map(c, size(c)).sum() : 0) + (has(self.args) ? self.args.map(a, size(a)).sum() : 0) + (has(self.env) ? self.env.map(e, size(e.name) + (has(e.value) ? size(e.value) : 0)).sum() : 0) <= 1048576':
    (s) => processSize(s as Obj) <= 1048576,
  "!self.substring(1).split('/').exists(s, s == '' || s == '.' || s == '..')": (s) =>
    !str(s)
      .slice(1)
      .split('/')
      .some((seg) => seg === '' || seg === '.' || seg === '..'),
  "!(self == '/dev' || self == '/proc' || self.startsWith('/proc/') || self == '/sys' || self.startsWith('/sys/'))": (
    s,
  ) => !['/dev', '/proc', '/sys'].includes(str(s)) && !/^\/(proc|sys)\//.test(str(s)),
  'self.all(v, self.exists_one(w, w.mountPath == v.mountPath))': (s) =>
    unique((s as Obj[]).map((v) => str(v['mountPath']))),
  "self.startsWith('/') && self != '/'": (s) => str(s).startsWith('/') && s !== '/',
  'self.all(p, !has(p.hostPort) || self.exists_one(q, has(q.hostPort) && q.hostPort == p.hostPort && q.protocol == p.protocol))':
    (s) => unique((s as Obj[]).filter((p) => has(p, 'hostPort')).map((p) => `${str(p['hostPort'])}/${protocol(p)}`)),
  '!has(self.hostIP) || has(self.hostPort)': (s) => !has(s, 'hostIP') || has(s, 'hostPort'),
  'isIP(self)': (s) => isCelIP(str(s)),
  'has(self.image) != has(self.imageFrom)': (s) => has(s, 'image') !== has(s, 'imageFrom'),
  // NativeContainer: networks, mounts, GPUs and limits (issue 12)
  "!has(self.networks) || size(self.networks) == 0 || !has(self.networkMode) || (self.networkMode != 'none' && self.networkMode != 'host')":
    (s) =>
      !nonEmpty(s, 'networks') || !has(s, 'networkMode') || !['none', 'host'].includes(str((s as Obj)['networkMode'])),
  '!has(self.hostPaths) || self.hostPaths.all(h, !(has(self.volumes) && self.volumes.exists(v, v.mountPath == h.mountPath)) && !(has(self.tmpfs) && self.tmpfs.exists(t, t.mountPath == h.mountPath)))':
    (s) => disjointMountPaths(s, 'hostPaths', ['volumes', 'tmpfs']),
  '!has(self.tmpfs) || !has(self.volumes) || self.tmpfs.all(t, !self.volumes.exists(v, v.mountPath == t.mountPath))': (
    s,
  ) => disjointMountPaths(s, 'tmpfs', ['volumes']),
  "self != 'host' && self != 'none'": (s) => s !== 'host' && s !== 'none',
  "quantity(string(self)).compareTo(quantity('4Ki')) >= 0": (s) => atLeast(s, '4Ki'),
  'has(self.count) != has(self.deviceIDs)': (s) => has(s, 'count') !== has(s, 'deviceIDs'),
  'self.soft <= self.hard': (s) => Number((s as Obj)['soft']) <= Number((s as Obj)['hard']),
  // NativeContainerPolicy
  "(self.operator == 'In' || self.operator == 'NotIn') == (has(self.values) && size(self.values) > 0)": (s) =>
    ['In', 'NotIn'].includes(str((s as Obj)['operator'])) === nonEmpty(s, 'values'),
  // ContainerSecret
  'has(self.passwordSecretRef) != has(self.dockerConfigSecretRef)': (s) =>
    has(s, 'passwordSecretRef') !== has(s, 'dockerConfigSecretRef'),
  'has(self.username) == has(self.passwordSecretRef)': (s) => has(s, 'username') === has(s, 'passwordSecretRef'),
  // ImageBuild
  'has(self.dockerfile) != has(self.dockerfileFrom)': (s) => has(s, 'dockerfile') !== has(s, 'dockerfileFrom'),
  "self != 'Dockerfile'": (s) => s !== 'Dockerfile',
};

const MATCHES = /^self\.matches\('((?:[^'\\]|\\.)*)'\)$/;

/** The mirror of a CEL rule, or undefined when there is none (a bug the unit tests catch). */
export function mirrorOf(rule: string): Mirror | undefined {
  const hand = MIRRORS[rule];
  if (hand) return hand;
  const m = MATCHES.exec(rule);
  if (!m) return undefined;
  // CEL string literal -> regex source: \\ is one backslash, \' a quote.
  const regex = new RegExp(m[1]!.replace(/\\(.)/g, '$1'), 'u');
  return (s) => regex.test(str(s));
}

export function handWrittenRules(): string[] {
  return Object.keys(MIRRORS);
}

function firstComponent(image: string): { first: string; isRegistry: boolean } {
  const first = image.split('/')[0]!;
  const isRegistry =
    image.split('@')[0]!.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first);
  return { first, isRegistry };
}

function registryLength(image: string): number {
  const { first, isRegistry } = firstComponent(image);
  return isRegistry ? size(first) : 0;
}

function repositoryLength(image: string): number {
  const name = image.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  const end = colon > name.lastIndexOf('/') ? colon : size(name);
  const { first, isRegistry } = firstComponent(image);
  return end - (isRegistry ? size(first) + 1 : 0);
}

function atLeast(value: unknown, min: string): boolean {
  const q = parseQuantity(str(value));
  return q !== undefined && compareQuantity(q, parseQuantity(min)!) >= 0;
}

function nonEmpty(o: unknown, field: string): boolean {
  const v = (o as Obj)[field];
  return Array.isArray(v) && v.length > 0;
}

/** No mountPath of `field` occurs in any of `others` (each a list of objects with mountPath). */
function disjointMountPaths(spec: unknown, field: string, others: string[]): boolean {
  const paths = (name: string): string[] =>
    (((spec as Obj)[name] as Obj[] | undefined) ?? []).map((m) => str(m['mountPath']));
  const taken = new Set(others.flatMap(paths));
  return paths(field).every((p) => !taken.has(p));
}

function atMost(value: unknown, max: string): boolean {
  const q = parseQuantity(str(value));
  return q !== undefined && compareQuantity(q, parseQuantity(max)!) <= 0;
}

/** Characters of command, args and env (names and literal values), as CEL's size() counts them. */
function processSize(spec: Obj): number {
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);
  const env = Array.isArray(spec['env']) ? (spec['env'] as Obj[]) : [];
  const envStrings = env.flatMap((e) => [str(e['name']), ...(e['value'] === undefined ? [] : [str(e['value'])])]);
  return [...strings(spec['command']), ...strings(spec['args']), ...envStrings].reduce((n, x) => n + size(x), 0);
}

function unique(values: string[]): boolean {
  return new Set(values).size === values.length;
}

function protocol(port: Obj): string {
  return str(port['protocol'] ?? 'TCP');
}

/** CEL's isIP (Go netip): no zones, no IPv4-mapped IPv6, no leading zeros in IPv4. */
function isCelIP(s: string): boolean {
  if (s.includes('%') || isIP(s) === 0) return false;
  return !isIPv6(s) || !isV4Mapped(s);
}

function isV4Mapped(s: string): boolean {
  const groups = expandIPv6(s);
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

/** The eight 16-bit groups of a valid IPv6 address, an embedded IPv4 tail included. */
function expandIPv6(s: string): number[] {
  let text = s;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
