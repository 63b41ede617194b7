// The admission side of NativeContainerPolicies (pure): a ValidatingAdmissionPolicy, in CEL, that
// says at `kubectl apply` what evaluate.ts says in the reconciler, and its binding. The operator
// writes both whenever the policies change (src/controllers/policy/).
//
// How CEL sees the policies: they are generated into the admission policy itself. A params
// resource cannot do it: each param is evaluated on its own and all must pass, so several
// policies would narrow each other instead of adding up. Instead each policy becomes a variable
// that says whether it selects the request's namespace (namespaceObject's labels), and each kind
// of grant a list built from the selecting policies' entries; a rule passes when the spec asks
// only for what those lists hold. Messages name the field, what it asks for, the policies that
// select the namespace (or the built-in default) and the entry that would allow it.
//
// The rules run on CREATE, and on UPDATE only when the spec changes and the resource is not being
// deleted, so a resource that a since-changed policy no longer allows can still get its
// finalizer removed and be deleted (the reconciler reports it as PolicyViolation meanwhile).
import type { LabelSelector } from '../api/label-selector.ts';
import type { NativeContainerPolicy } from '../api/policy.ts';
import { GROUP } from '../api/group.ts';
import { UNGATED_NETWORKS } from '../api/network-modes.ts';
import { DOCKER_DEFAULT_CAPABILITIES } from './evaluate.ts';

export const ADMISSION_POLICY_NAME = `nativecontainerpolicies.${GROUP}`;
export const ADMISSION_API = 'admissionregistration.k8s.io/v1';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'native-container-operator';

interface Variable {
  name: string;
  expression: string;
}

interface Validation {
  expression: string;
  messageExpression: string;
  reason: 'Forbidden';
}

export interface ValidatingAdmissionPolicy {
  apiVersion: string;
  kind: 'ValidatingAdmissionPolicy';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    failurePolicy: 'Fail';
    matchConstraints: {
      resourceRules: {
        apiGroups: string[];
        apiVersions: string[];
        operations: string[];
        resources: string[];
      }[];
    };
    matchConditions: { name: string; expression: string }[];
    variables: Variable[];
    validations: Validation[];
  };
}

export interface ValidatingAdmissionPolicyBinding {
  apiVersion: string;
  kind: 'ValidatingAdmissionPolicyBinding';
  metadata: { name: string; labels: Record<string, string> };
  spec: { policyName: string; validationActions: ['Deny'] };
}

/** A CEL string literal of any text (single quotes; backslash, quote and control characters escaped). */
export function celString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

function celList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** A label selector as a CEL condition on variables.labels (the request's namespace's labels). */
export function selectorCel(selector: LabelSelector | undefined): string {
  if (!selector) return 'false';
  const L = 'variables.labels';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}).sort()) {
    parts.push(`(${celString(k)} in ${L} && ${L}[${celString(k)}] == ${celString(v)})`);
  }
  for (const e of selector.matchExpressions ?? []) {
    const key = celString(e.key);
    const inValues = `(${key} in ${L} && ${L}[${key}] in ${celList(e.values ?? [])})`;
    if (e.operator === 'In') parts.push(inValues);
    else if (e.operator === 'NotIn') parts.push(`!${inValues}`);
    else if (e.operator === 'Exists') parts.push(`(${key} in ${L})`);
    else if (e.operator === 'DoesNotExist') parts.push(`!(${key} in ${L})`);
    else parts.push('false');
  }
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/** `(variables.p0 ? [...] : []) + ...`: the entries of the selecting policies; [] when none has any. */
function unionOf(policies: readonly NativeContainerPolicy[], entries: (p: NativeContainerPolicy) => string[]): string {
  const terms = policies
    .map((p, i) => ({ i, values: entries(p) }))
    .filter((t) => t.values.length > 0)
    .map((t) => `(variables.p${t.i} ? ${celList(t.values)} : [])`);
  return terms.length === 0 ? '[]' : terms.join(' + ');
}

/** `variables.p0 || variables.p2`: some selecting policy grants it; false when none can. */
function anyOf(policies: readonly NativeContainerPolicy[], grants: (p: NativeContainerPolicy) => boolean): string {
  const terms = policies.flatMap((p, i) => (grants(p) ? [`variables.p${i}`] : []));
  return terms.length === 0 ? 'false' : terms.join(' || ');
}

const SPEC = 'object.spec';
const SC = `${SPEC}.securityContext`;

function refused(field: string, what: string, allowWith: string): string {
  return (
    `${celString(`${field}: `)} + ${what} + ' is not allowed by ' + variables.decidedBy + ` +
    `'. A NativeContainerPolicy that selects the namespace allows it with ' + ${allowWith} + '.'`
  );
}

/** A rule for one yes-or-no grant: `asks` is the spec asking for it, `allowed` some selecting policy granting it. */
function flag(field: string, what: string, asks: string, allowWith: string, allowed: string): Validation {
  return {
    expression: `!(${asks}) || ${allowed}`,
    messageExpression: refused(field, celString(what), celString(allowWith)),
    reason: 'Forbidden',
  };
}

/** The admission policy for these NativeContainerPolicies (sorted by name, so equal sets give equal objects). */
export function admissionPolicy(all: readonly NativeContainerPolicy[]): ValidatingAdmissionPolicy {
  const policies = [...all]
    .filter((p) => p.metadata.deletionTimestamp === undefined)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const variables: Variable[] = [
    {
      name: 'labels',
      expression: 'has(namespaceObject.metadata.labels) ? namespaceObject.metadata.labels : {}',
    },
    ...policies.map((p, i) => ({ name: `p${i}`, expression: selectorCel(p.spec?.namespaceSelector) })),
    {
      name: 'selected',
      expression:
        policies.length === 0
          ? "''"
          : policies.map((p, i) => `(variables.p${i} ? ${celString(`, ${p.metadata.name}`)} : '')`).join(' + '),
    },
    {
      name: 'decidedBy',
      expression:
        "variables.selected == '' ? 'the built-in default policy (no NativeContainerPolicy selects namespace ' + namespaceObject.metadata.name + ')' : " +
        "'the NativeContainerPolicies that select namespace ' + namespaceObject.metadata.name + ' (' + variables.selected.substring(2) + ')'",
    },
    { name: 'capabilities', expression: unionOf(policies, (p) => p.spec?.capabilities ?? []) },
    {
      name: 'hostPathsReadWrite',
      expression: unionOf(policies, (p) =>
        (p.spec?.hostPaths ?? []).filter((h) => h.readOnly === false).map((h) => h.pathPrefix),
      ),
    },
    { name: 'hostPaths', expression: unionOf(policies, (p) => (p.spec?.hostPaths ?? []).map((h) => h.pathPrefix)) },
    { name: 'devices', expression: unionOf(policies, (p) => (p.spec?.devices ?? []).map((d) => d.pathPrefix)) },
    { name: 'networks', expression: unionOf(policies, (p) => p.spec?.networks ?? []) },
    {
      name: 'badCapabilities',
      expression:
        `has(${SC}) && has(${SC}.capabilities) && has(${SC}.capabilities.add) ? ` +
        `${SC}.capabilities.add.filter(c, !(c in ${celList(DOCKER_DEFAULT_CAPABILITIES)}) && !('ALL' in variables.capabilities) && !(c in variables.capabilities)) : []`,
    },
    {
      name: 'badHostPaths',
      expression:
        `has(${SPEC}.hostPaths) ? ${SPEC}.hostPaths.filter(h, !((has(h.readOnly) && h.readOnly ? variables.hostPaths : variables.hostPathsReadWrite)` +
        `.exists(p, p == '/' || h.path == p || h.path.startsWith(p + '/')))) : []`,
    },
    {
      name: 'badDevices',
      expression: `has(${SPEC}.devices) ? ${SPEC}.devices.filter(d, !variables.devices.exists(p, d.path == p || d.path.startsWith(p + '/'))) : []`,
    },
    {
      name: 'badNetworks',
      expression:
        `(has(${SPEC}.networks) ? ${SPEC}.networks.map(n, n.name) : []).filter(n, !(n in ${celList(UNGATED_NETWORKS)}) && ` +
        `!variables.networks.exists(p, p.endsWith('*') ? n.startsWith(p.substring(0, p.size() - 1)) : n == p))`,
    },
    {
      name: 'badNetworkMode',
      expression:
        `has(${SPEC}.networkMode) && !(${SPEC}.networkMode in ${celList([...UNGATED_NETWORKS, 'host'])}) && ` +
        `!variables.networks.exists(p, p.endsWith('*') ? ${SPEC}.networkMode.startsWith(p.substring(0, p.size() - 1)) : ${SPEC}.networkMode == p)`,
    },
  ];
  const hostNamespace = (field: 'networkMode' | 'pidMode' | 'ipcMode', ns: 'Network' | 'PID' | 'IPC'): Validation =>
    flag(
      `spec.${field}`,
      'host',
      `has(${SPEC}.${field}) && ${SPEC}.${field} == 'host'`,
      `hostNamespaces: [${ns}]`,
      anyOf(policies, (p) => (p.spec?.hostNamespaces ?? []).includes(ns)),
    );
  const validations: Validation[] = [
    flag(
      'spec.securityContext.privileged',
      'true',
      `has(${SC}) && has(${SC}.privileged) && ${SC}.privileged`,
      'privileged: true',
      anyOf(policies, (p) => p.spec?.privileged === true),
    ),
    {
      expression: 'size(variables.badCapabilities) == 0',
      messageExpression: refused(
        'spec.securityContext.capabilities.add',
        "variables.badCapabilities.join(', ')",
        "'capabilities: [' + variables.badCapabilities.join(', ') + ']'",
      ),
      reason: 'Forbidden',
    },
    flag(
      'spec.securityContext.seccompProfile.type',
      'Unconfined',
      `has(${SC}) && has(${SC}.seccompProfile) && ${SC}.seccompProfile.type == 'Unconfined'`,
      'unconfinedSeccomp: true',
      anyOf(policies, (p) => p.spec?.unconfinedSeccomp === true),
    ),
    {
      expression: 'size(variables.badHostPaths) == 0',
      messageExpression: refused(
        'spec.hostPaths',
        "variables.badHostPaths.map(h, h.path + (has(h.readOnly) && h.readOnly ? ' read-only' : ' read-write')).join(', ')",
        "'hostPaths: [' + variables.badHostPaths.map(h, '{pathPrefix: ' + h.path + (has(h.readOnly) && h.readOnly ? '' : ', readOnly: false') + '}').join(', ') + ']'",
      ),
      reason: 'Forbidden',
    },
    {
      expression: 'size(variables.badDevices) == 0',
      messageExpression: refused(
        'spec.devices',
        "variables.badDevices.map(d, d.path).join(', ')",
        "'devices: [' + variables.badDevices.map(d, '{pathPrefix: ' + d.path + '}').join(', ') + ']'",
      ),
      reason: 'Forbidden',
    },
    flag(
      'spec.gpus',
      'a GPU request',
      `has(${SPEC}.gpus)`,
      'gpus: true',
      anyOf(policies, (p) => p.spec?.gpus === true),
    ),
    hostNamespace('networkMode', 'Network'),
    hostNamespace('pidMode', 'PID'),
    hostNamespace('ipcMode', 'IPC'),
    {
      expression: '!variables.badNetworkMode',
      messageExpression: refused(
        'spec.networkMode',
        `'network ' + ${SPEC}.networkMode`,
        `'networks: [' + ${SPEC}.networkMode + ']'`,
      ),
      reason: 'Forbidden',
    },
    {
      expression: 'size(variables.badNetworks) == 0',
      messageExpression: refused(
        'spec.networks',
        "'network ' + variables.badNetworks.join(', ')",
        "'networks: [' + variables.badNetworks.join(', ') + ']'",
      ),
      reason: 'Forbidden',
    },
  ];
  return {
    apiVersion: ADMISSION_API,
    kind: 'ValidatingAdmissionPolicy',
    metadata: {
      name: ADMISSION_POLICY_NAME,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      // Which policies (name@generation) this object reflects, for whoever inspects it.
      annotations: {
        [`${GROUP}/policies`]: policies.map((p) => `${p.metadata.name}@${p.metadata.generation ?? 0}`).join(','),
      },
    },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [GROUP],
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['nativecontainers'],
          },
        ],
      },
      matchConditions: [
        {
          name: 'spec-created-or-changed',
          expression:
            "request.operation == 'CREATE' || (!has(object.metadata.deletionTimestamp) && object.spec != oldObject.spec)",
        },
      ],
      variables,
      validations,
    },
  };
}

export function admissionBinding(): ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: ADMISSION_API,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: ADMISSION_POLICY_NAME, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    spec: { policyName: ADMISSION_POLICY_NAME, validationActions: ['Deny'] },
  };
}
