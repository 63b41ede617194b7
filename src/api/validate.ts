// Validation of whole resources against their CRD schemas: ajv for the JSON Schema part, then
// the Kubernetes extensions (CEL rule mirrors, list uniqueness) on the defaulted value, as the
// API server does it. Returns problems as "field: message" lines; empty when valid.
import type { ValidateFunction } from 'ajv';
import { VERSION } from './group.ts';
import { compileSchema, formatErrors, loadCrdSchema } from './schema.ts';
import { structuralProblems } from './structural.ts';

interface Validator {
  schema: Record<string, unknown>;
  ajv: ValidateFunction;
}

const validators = new Map<string, Validator>();

function validatorFor(file: string): Validator {
  let v = validators.get(file);
  if (!v) {
    const schema = loadCrdSchema(file, VERSION);
    v = { schema, ajv: compileSchema(schema, true) };
    validators.set(file, v);
  }
  return v;
}

function validateWith(file: string, obj: unknown): string[] {
  const { schema, ajv } = validatorFor(file);
  // ajv fills in defaults; never on the caller's object, which may be the informer's cache.
  const copy: unknown = structuredClone(obj);
  if (!ajv(copy)) return formatErrors(ajv.errors);
  return structuralProblems(schema, copy);
}

export function validateNativeContainer(obj: unknown): string[] {
  return validateWith('nativecontainers.nativecontainer.io.yaml', obj);
}

export function validateContainerHost(obj: unknown): string[] {
  return validateWith('containerhosts.nativecontainer.io.yaml', obj);
}

/**
 * A NativeContainer with the CRD's defaults filled in, as the API server would store it: what a
 * plan of a manifest not yet applied must see. Problems are left to validateNativeContainer.
 */
export function defaultedNativeContainer<T>(obj: T): T {
  const copy = structuredClone(obj);
  validatorFor('nativecontainers.nativecontainer.io.yaml').ajv(copy);
  return copy;
}

export function validateContainerSecret(obj: unknown): string[] {
  return validateWith('containersecrets.nativecontainer.io.yaml', obj);
}

export function validateImageBuild(obj: unknown): string[] {
  return validateWith('imagebuilds.nativecontainer.io.yaml', obj);
}

export function validateNativeContainerPolicy(obj: unknown): string[] {
  return validateWith('nativecontainerpolicies.nativecontainer.io.yaml', obj);
}

/** Every x-kubernetes-validations rule of the CRDs, for the test that each has a mirror. */
export function crdRules(): string[] {
  const rules: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'x-kubernetes-validations') rules.push(...(v as { rule: string }[]).map((r) => r.rule));
      else walk(v);
    }
  };
  const files = [
    'nativecontainers.nativecontainer.io.yaml',
    'containersecrets.nativecontainer.io.yaml',
    'imagebuilds.nativecontainer.io.yaml',
    'nativecontainerpolicies.nativecontainer.io.yaml',
    'containerhosts.nativecontainer.io.yaml',
  ];
  for (const file of files) {
    walk(loadCrdSchema(file, VERSION));
  }
  return rules;
}
