// What the API server enforces beyond plain JSON Schema, checked on a value that already passed
// ajv: CEL rules (through their TypeScript mirrors), the uniqueness that x-kubernetes-list-type
// map and set imply, and unknown fields (which kubectl's strict field validation refuses and
// the API server would otherwise prune: an inline password must never be silently dropped).
// Messages name the field as the API server does.
import { mirrorOf } from './cel-mirrors.ts';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  default?: unknown;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
}

/** Problems of `value` against the Kubernetes extensions of `schema`, as "path: message" lines. */
export function structuralProblems(schema: unknown, value: unknown, path = ''): string[] {
  if (value === undefined || value === null) return [];
  const node = schema as SchemaNode;
  const problems = [
    ...unknownFields(node, value, path),
    ...celProblems(node, value, path),
    ...listProblems(node, value, path),
  ];
  for (const [child, childValue, childPath] of children(node, value, path)) {
    problems.push(...structuralProblems(child, childValue, childPath));
  }
  return problems;
}

function unknownFields(node: SchemaNode, value: unknown, path: string): string[] {
  // Nodes without properties (metadata, free-form maps) are not ours to judge.
  if (!node.properties || node.additionalProperties || typeof value !== 'object' || Array.isArray(value)) return [];
  const known = node.properties;
  return Object.keys(value as object)
    .filter((k) => !(k in known))
    .map((k) => `${path ? `${path}.` : ''}${k}: unknown field`);
}

function celProblems(node: SchemaNode, value: unknown, path: string): string[] {
  const problems: string[] = [];
  for (const { rule, message } of node['x-kubernetes-validations'] ?? []) {
    const mirror = mirrorOf(rule);
    if (!mirror) throw new Error(`no TypeScript mirror of the CEL rule at ${path || '(root)'}: ${rule}`);
    if (!mirror(value)) problems.push(`${path || '(root)'}: ${message ?? `failed rule: ${rule}`}`);
  }
  return problems;
}

function listProblems(node: SchemaNode, value: unknown, path: string): string[] {
  const type = node['x-kubernetes-list-type'];
  if (!Array.isArray(value) || (type !== 'map' && type !== 'set')) return [];
  const keys = node['x-kubernetes-list-map-keys'] ?? [];
  const itemProps = node.items?.properties ?? {};
  const identity = (item: unknown): string =>
    type === 'set'
      ? JSON.stringify(item)
      : JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k] ?? itemProps[k]?.default));
  const seen = new Set<string>();
  const problems: string[] = [];
  value.forEach((item, i) => {
    const id = identity(item);
    if (seen.has(id)) problems.push(`${path}[${i}]: Duplicate value: ${JSON.stringify(item)}`);
    seen.add(id);
  });
  return problems;
}

function children(node: SchemaNode, value: unknown, path: string): [SchemaNode, unknown, string][] {
  if (Array.isArray(value)) return node.items ? value.map((v, i) => [node.items!, v, `${path}[${i}]`]) : [];
  if (typeof value !== 'object') return [];
  const obj = value as Record<string, unknown>;
  const out: [SchemaNode, unknown, string][] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    out.push([child, obj[key], path ? `${path}.${key}` : key]);
  }
  const extra = node.additionalProperties;
  if (extra && typeof extra === 'object' && !node.properties) {
    for (const [key, v] of Object.entries(obj)) out.push([extra, v, `${path}[${key}]`]);
  }
  return out;
}
