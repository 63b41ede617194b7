// Validation compiled by ajv from the CRD files: the same schema the API server enforces,
// checked again by the operator (defence in depth, and the place for rules CEL cannot express).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

// ajv-formats is CommonJS; its default export arrives wrapped under ES modules.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const CRD_DIR = new URL('../../crds/', import.meta.url);

interface CrdVersion {
  name: string;
  schema: { openAPIV3Schema: Record<string, unknown> };
}

/** Reads the openAPIV3Schema of one version from a CRD file in crds/. */
export function loadCrdSchema(file: string, version: string): Record<string, unknown> {
  const crd = parse(readFileSync(new URL(file, CRD_DIR), 'utf8')) as { spec: { versions: CrdVersion[] } };
  const found = crd.spec.versions.find((v) => v.name === version);
  if (!found) throw new Error(`CRD ${file} has no version ${version}`);
  return found.schema.openAPIV3Schema;
}

// Kubernetes' structural-schema extensions mean nothing to ajv; they are declared as keywords
// so that strict mode still rejects anything else it does not know.
const KUBERNETES_KEYWORDS = [
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-map-type',
  'x-kubernetes-embedded-resource',
];

/**
 * Compiles a CRD schema. With useDefaults the validated value gets the schema's defaults, as
 * the API server defaults an object before its CEL rules run; pass a copy.
 */
export function compileSchema(schema: Record<string, unknown>, useDefaults = false): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults });
  addFormats(ajv);
  for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword(keyword);
  return ajv.compile(forAjv(schema) as Record<string, unknown>);
}

/**
 * The Kubernetes int-or-string idiom puts `pattern` next to anyOf [integer, string]; the API
 * server applies it to strings only, and ajv's strict mode wants it inside the string branch.
 */
export function forAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forAjv);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, forAjv(v)] as const);
  const copy = Object.fromEntries(entries) as Record<string, unknown>;
  if (copy['x-kubernetes-int-or-string'] === true) {
    // String keywords go to the string branch, number keywords to the integer branch.
    const take = (keys: string[]): Record<string, unknown> => {
      const taken = Object.fromEntries(keys.filter((k) => copy[k] !== undefined).map((k) => [k, copy[k]]));
      for (const k of keys) delete copy[k];
      return taken;
    };
    const forString = take(['pattern', 'maxLength', 'minLength']);
    const forInteger = take(['minimum', 'maximum']);
    if (Object.keys(forString).length + Object.keys(forInteger).length > 0) {
      copy['anyOf'] = [
        { type: 'integer', ...forInteger },
        { type: 'string', ...forString },
      ];
    }
  }
  return copy;
}

/** One line a problem, shaped like the API server's field errors: "spec.env[0].name: must match ...". */
export function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'anyOf')
    .map((e) => {
      const path = e.instancePath
        .split('/')
        .filter(Boolean)
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
        .join('')
        .replace(/^\./, '');
      const field = e.keyword === 'required' ? `${path ? `${path}.` : ''}${String(e.params['missingProperty'])}` : path;
      const message = e.keyword === 'enum' ? `must be one of ${JSON.stringify(e.params['allowedValues'])}` : e.message;
      return `${field || '(root)'}: ${message ?? 'is invalid'}`;
    });
}
