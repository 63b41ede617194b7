// Policy evaluation (pure): which NativeContainerPolicies select a namespace, and what of a
// NativeContainer's spec none of them allows. The reconciler runs this before it creates or
// changes anything (defence in depth); the admission policy (admission.ts) says the same in CEL.
//
// Rules, the same in both places:
// - Several policies that select a namespace add up; with none, the built-in default allows
//   none of what is gated here.
// - Host paths and devices are allowed by path prefix, segment by segment: /data allows /data
//   and /data/x, never /data2; a path with '.' or '..' segments is never under any prefix (the
//   CRD refuses such paths before this runs, this refuses them again).
// - Capabilities in Docker's default set need no policy; any other, and ALL, do.
// - bridge and none (and Docker's "default") need no policy; host needs the Network host
//   namespace, any other network name needs the name (or a prefix* of it).
import type { NativeContainerSpec } from '../api/native-container.ts';
import { selects } from '../api/label-selector.ts';
import { UNGATED_NETWORKS } from '../api/network-modes.ts';
import type { HostNamespace, NativeContainerPolicy, NativeContainerPolicySpec } from '../api/policy.ts';

/** Docker's default capability set (moby's oci/caps/defaults.go): adding one of these needs no policy. */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** One thing the spec asks for that no selecting policy allows. */
export interface Violation {
  /** The field, as kubectl names it: spec.hostPaths[0].path. */
  field: string;
  /** What it asks for, in a few words: "/etc read-write". */
  value: string;
  /** The NativeContainerPolicy spec entry that would allow it: "hostPaths: [{pathPrefix: /etc, readOnly: false}]". */
  allowWith: string;
}

/** The policies that select a namespace with these labels, by name. */
export function selectingPolicies(
  policies: readonly NativeContainerPolicy[],
  namespaceLabels: Record<string, string>,
): NativeContainerPolicy[] {
  return policies
    .filter((p) => p.metadata.deletionTimestamp === undefined && selects(p.spec?.namespaceSelector, namespaceLabels))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

const CLEAN_PATH = /^(\/|(\/([^/.][^/]*|[.][^/.][^/]*|[.][.][^/]+))+)$/u;

/** True when `path` is `prefix` or lies below it, segment by segment; both must be clean absolute paths. */
export function underPrefix(path: string, prefix: string): boolean {
  if (!CLEAN_PATH.test(path) || !CLEAN_PATH.test(prefix)) return false;
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** True when a network name matches a policy's entry: the name itself, `prefix*`, or `*`. */
export function networkMatches(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

type Policies = readonly NativeContainerPolicySpec[];

/** What of the spec the given policies (those that select its namespace) together do not allow. */
export function violations(spec: NativeContainerSpec, policies: Policies): Violation[] {
  return [
    ...securityViolations(spec, policies),
    ...mountViolations(spec, policies),
    ...deviceViolations(spec, policies),
    ...namespaceViolations(spec, policies),
    ...networkViolations(spec, policies),
  ];
}

function securityViolations(spec: NativeContainerSpec, policies: Policies): Violation[] {
  const sc = spec.securityContext ?? {};
  const found: Violation[] = [];
  if (sc.privileged === true && !policies.some((p) => p.privileged === true)) {
    found.push({ field: 'spec.securityContext.privileged', value: 'true', allowWith: 'privileged: true' });
  }
  found.push(...capabilityViolations(sc.capabilities?.add ?? [], policies));
  if (sc.seccompProfile?.type === 'Unconfined' && !policies.some((p) => p.unconfinedSeccomp === true)) {
    found.push({
      field: 'spec.securityContext.seccompProfile.type',
      value: 'Unconfined',
      allowWith: 'unconfinedSeccomp: true',
    });
  }
  return found;
}

function capabilityViolations(added: readonly string[], policies: Policies): Violation[] {
  const granted = new Set(policies.flatMap((p) => p.capabilities ?? []));
  return added
    .filter((cap) => !DOCKER_DEFAULT_CAPABILITIES.includes(cap) && !granted.has('ALL') && !granted.has(cap))
    .map((cap) => ({
      field: 'spec.securityContext.capabilities.add',
      value: cap,
      allowWith: `capabilities: [${cap}]`,
    }));
}

function mountViolations(spec: NativeContainerSpec, policies: Policies): Violation[] {
  const prefixes = policies.flatMap((p) => p.hostPaths ?? []);
  return (spec.hostPaths ?? []).flatMap((h, i) => {
    const readOnly = h.readOnly === true;
    const ok = prefixes.some((x) => underPrefix(h.path, x.pathPrefix) && (readOnly || x.readOnly === false));
    if (ok) return [];
    return [
      {
        field: `spec.hostPaths[${i}].path`,
        value: `${h.path} ${readOnly ? 'read-only' : 'read-write'}`,
        allowWith: `hostPaths: [{pathPrefix: ${h.path}${readOnly ? '' : ', readOnly: false'}}]`,
      },
    ];
  });
}

function deviceViolations(spec: NativeContainerSpec, policies: Policies): Violation[] {
  const prefixes = policies.flatMap((p) => (p.devices ?? []).map((d) => d.pathPrefix));
  const found: Violation[] = (spec.devices ?? []).flatMap((d, i) =>
    prefixes.some((x) => underPrefix(d.path, x))
      ? []
      : [{ field: `spec.devices[${i}].path`, value: d.path, allowWith: `devices: [{pathPrefix: ${d.path}}]` }],
  );
  if (spec.gpus !== undefined && !policies.some((p) => p.gpus === true)) {
    found.push({ field: 'spec.gpus', value: 'GPUs', allowWith: 'gpus: true' });
  }
  return found;
}

function namespaceViolations(spec: NativeContainerSpec, policies: Policies): Violation[] {
  const modes: [string, string | undefined, HostNamespace][] = [
    ['spec.networkMode', spec.networkMode, 'Network'],
    ['spec.pidMode', spec.pidMode, 'PID'],
    ['spec.ipcMode', spec.ipcMode, 'IPC'],
  ];
  return modes
    .filter(([, mode, ns]) => mode === 'host' && !policies.some((p) => (p.hostNamespaces ?? []).includes(ns)))
    .map(([field, , ns]) => ({ field, value: 'host', allowWith: `hostNamespaces: [${ns}]` }));
}

function networkViolations(spec: NativeContainerSpec, policies: Policies): Violation[] {
  const patterns = policies.flatMap((p) => p.networks ?? []);
  const asked: [string, string][] = [
    ...(spec.networkMode !== undefined && spec.networkMode !== 'host'
      ? [['spec.networkMode', spec.networkMode] as [string, string]]
      : []),
    ...(spec.networks ?? []).map((n, i): [string, string] => [`spec.networks[${i}].name`, n.name]),
  ];
  return asked
    .filter(([, name]) => !UNGATED_NETWORKS.includes(name) && !patterns.some((n) => networkMatches(name, n)))
    .map(([field, name]) => ({ field, value: name, allowWith: `networks: [${name}]` }));
}

/** Who decided: the selecting policies by name, or the built-in default. */
export function decidedBy(namespace: string, policyNames: readonly string[]): string {
  return policyNames.length === 0
    ? `the built-in default policy (no NativeContainerPolicy selects namespace ${namespace})`
    : `the NativeContainerPolicies that select namespace ${namespace} (${policyNames.join(', ')})`;
}

/** The message of a PolicyViolation: each field with what it asks, who refused, and what would allow it. */
export function violationMessage(
  namespace: string,
  policyNames: readonly string[],
  found: readonly Violation[],
): string {
  const what = found.map((v) => `${v.field} (${v.value})`).join(', ');
  return (
    `Not allowed by ${decidedBy(namespace, policyNames)}: ${what}. ` +
    `A NativeContainerPolicy that selects the namespace would allow it with ${allowing(found)}. ` +
    'Nothing is created or changed for it; a container that exists is left as it is.'
  );
}

/** The policy entries that would allow the violations, lists merged: "networks: [a, b]; gpus: true". */
function allowing(found: readonly Violation[]): string {
  const lists = new Map<string, string[]>();
  const flags: string[] = [];
  for (const { allowWith } of found) {
    const m = /^(\w+): \[(.*)\]$/.exec(allowWith);
    if (!m) {
      if (!flags.includes(allowWith)) flags.push(allowWith);
      continue;
    }
    const items = lists.get(m[1]!) ?? [];
    if (!items.includes(m[2]!)) items.push(m[2]!);
    lists.set(m[1]!, items);
  }
  return [...flags, ...[...lists].map(([key, items]) => `${key}: [${items.join(', ')}]`)].join('; ');
}

/** Evaluates a NativeContainer in a namespace with these labels: its violations and who decided. */
export function evaluate(
  spec: NativeContainerSpec,
  namespace: string,
  namespaceLabels: Record<string, string>,
  policies: readonly NativeContainerPolicy[],
): { violations: Violation[]; policies: string[]; message?: string } {
  const selected = selectingPolicies(policies, namespaceLabels);
  const names = selected.map((p) => p.metadata.name);
  const found = violations(
    spec,
    selected.map((p) => p.spec),
  );
  return {
    violations: found,
    policies: names,
    ...(found.length ? { message: violationMessage(namespace, names, found) } : {}),
  };
}
