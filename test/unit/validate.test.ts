import { describe, expect, it } from 'vitest';
import { handWrittenRules, mirrorOf } from '../../src/api/cel-mirrors.ts';
import {
  crdRules,
  validateContainerSecret,
  validateImageBuild,
  validateNativeContainer,
} from '../../src/api/validate.ts';
import { VALIDATION_CASES } from './validation-cases.ts';

function nc(spec: unknown) {
  return { apiVersion: 'nativecontainer.io/v1alpha1', kind: 'NativeContainer', metadata: { name: 'x' }, spec };
}

function validate(kind: string, spec: unknown): string[] {
  const obj = { apiVersion: 'nativecontainer.io/v1alpha1', kind, metadata: { name: 'x' }, spec };
  if (kind === 'ImageBuild') return validateImageBuild(obj);
  return kind === 'NativeContainer' ? validateNativeContainer(obj) : validateContainerSecret(obj);
}

describe('NativeContainer validation against the CRD schema', () => {
  it('accepts a minimal spec', () => {
    expect(validateNativeContainer(nc({ image: 'busybox' }))).toEqual([]);
  });

  it('rejects a spec with neither image nor imageFrom, as the CEL rule says', () => {
    expect(validateNativeContainer(nc({}))).toEqual(['spec: exactly one of image or imageFrom is required']);
  });

  it('rejects an unknown state and lists the allowed ones', () => {
    expect(validateNativeContainer(nc({ image: 'b', state: 'Sleeping' }))).toEqual([
      'spec.state: must be one of ["Running","Stopped","Paused"]',
    ]);
  });

  it('rejects a bad env name and points at the entry', () => {
    expect(validateNativeContainer(nc({ image: 'b', env: [{ name: '1bad' }] }))[0]).toMatch(
      /^spec\.env\[0\]\.name: must match pattern/,
    );
  });

  it('reports a CEL rule with its message and field, as the API server does', () => {
    expect(validateNativeContainer(nc({ image: 'b', workingDir: 'srv' }))).toEqual([
      'spec.workingDir: workingDir must be an absolute path',
    ]);
  });

  it('reports duplicate keys of a map list, which ajv alone would not see', () => {
    expect(validateNativeContainer(nc({ image: 'b', env: [{ name: 'A' }, { name: 'A' }] }))).toEqual([
      'spec.env[1]: Duplicate value: {"name":"A"}',
    ]);
  });

  it('applies defaults before the rules, as the API server does: a default protocol makes ports equal', () => {
    expect(
      validateNativeContainer(nc({ image: 'b', ports: [{ containerPort: 1 }, { containerPort: 1, protocol: 'TCP' }] })),
    ).toHaveLength(1);
  });

  it('never changes the object it validates (it may be the informer cache)', () => {
    const obj = nc({ image: 'b' });
    validateNativeContainer(obj);
    expect(obj.spec).toEqual({ image: 'b' });
  });
});

describe('the CEL mirrors', () => {
  it('cover every x-kubernetes-validations rule of the CRDs', () => {
    expect(crdRules().filter((rule) => !mirrorOf(rule))).toEqual([]);
  });

  it('have no hand-written mirror of a rule the CRDs no longer contain', () => {
    const rules = new Set(crdRules());
    expect(handWrittenRules().filter((rule) => !rules.has(rule))).toEqual([]);
  });
});

describe('the shared table of good and bad specs', () => {
  it('has at least 60 cases, good and bad', () => {
    expect(VALIDATION_CASES.length).toBeGreaterThanOrEqual(60);
    expect(VALIDATION_CASES.some((c) => c.valid)).toBe(true);
    expect(VALIDATION_CASES.some((c) => !c.valid)).toBe(true);
  });

  it.each(VALIDATION_CASES)('$kind with $what is valid: $valid', ({ kind, spec, valid }) => {
    const problems = validate(kind, spec);
    if (valid) expect(problems).toEqual([]);
    else expect(problems).not.toEqual([]);
  });
});
