// The ValidatingAdmissionPolicy generated from the NativeContainerPolicies. Its CEL runs in the
// API server (test/e2e/policy.test.ts refuses and admits through kubectl apply); here, what is
// generated: the selection of each policy, the lists the rules read, and that the same set of
// policies always gives the same object (the operator writes it only when it changes).
import { describe, expect, it } from 'vitest';
import type { NativeContainerPolicy } from '../../src/api/policy.ts';
import {
  admissionBinding,
  admissionPolicy,
  ADMISSION_POLICY_NAME,
  celString,
  selectorCel,
} from '../../src/policy/admission.ts';

function policy(name: string, spec: Partial<NativeContainerPolicy['spec']>, generation = 1): NativeContainerPolicy {
  return { metadata: { name, generation }, spec: { namespaceSelector: {}, ...spec } };
}

function variable(vap: ReturnType<typeof admissionPolicy>, name: string): string | undefined {
  return vap.spec.variables.find((v) => v.name === name)?.expression;
}

describe('CEL literals', () => {
  it('quotes any text safely', () => {
    expect(celString("it's")).toBe("'it\\'s'");
    expect(celString('a\\b')).toBe("'a\\\\b'");
    expect(celString('line\nbreak\u0000')).toBe("'line\\u000abreak\\u0000'");
    expect(celString('ünï')).toBe("'ünï'");
  });
});

describe('namespace selectors in CEL', () => {
  it('selects every namespace with {} and none without a selector', () => {
    expect(selectorCel({})).toBe('true');
    expect(selectorCel(undefined)).toBe('false');
  });

  it('checks labels on the request namespace, key present and value equal', () => {
    expect(selectorCel({ matchLabels: { team: 'a' } })).toBe(
      "('team' in variables.labels && variables.labels['team'] == 'a')",
    );
  });

  it('has the semantics of In, NotIn, Exists and DoesNotExist', () => {
    const cel = selectorCel({
      matchExpressions: [
        { key: 'a', operator: 'In', values: ['x', 'y'] },
        { key: 'b', operator: 'NotIn', values: ['z'] },
        { key: 'c', operator: 'Exists' },
        { key: 'd', operator: 'DoesNotExist' },
      ],
    });
    expect(cel).toBe(
      "('a' in variables.labels && variables.labels['a'] in ['x', 'y']) && " +
        "!('b' in variables.labels && variables.labels['b'] in ['z']) && " +
        "('c' in variables.labels) && !('d' in variables.labels)",
    );
  });
});

describe('the admission policy', () => {
  it('with no NativeContainerPolicy is the built-in default: every list empty, every grant false', () => {
    const vap = admissionPolicy([]);
    expect(vap.metadata.name).toBe(ADMISSION_POLICY_NAME);
    expect(variable(vap, 'capabilities')).toBe('[]');
    expect(variable(vap, 'hostPaths')).toBe('[]');
    expect(variable(vap, 'selected')).toBe("''");
    expect(vap.spec.validations[0]!.expression).toMatch(/\|\| false$/);
    expect(vap.spec.failurePolicy).toBe('Fail');
  });

  it('gives each policy a selection variable and builds each list from the selecting ones', () => {
    const vap = admissionPolicy([
      policy('b', { namespaceSelector: { matchLabels: { team: 'b' } }, capabilities: ['NET_ADMIN'], privileged: true }),
      policy('a', {
        hostPaths: [
          { pathPrefix: '/srv', readOnly: true },
          { pathPrefix: '/scratch', readOnly: false },
        ],
        networks: ['backend-*'],
      }),
    ]);
    // Sorted by name: a is p0, b is p1.
    expect(variable(vap, 'p0')).toBe('true');
    expect(variable(vap, 'p1')).toBe("('team' in variables.labels && variables.labels['team'] == 'b')");
    expect(variable(vap, 'capabilities')).toBe("(variables.p1 ? ['NET_ADMIN'] : [])");
    expect(variable(vap, 'hostPaths')).toBe("(variables.p0 ? ['/srv', '/scratch'] : [])");
    expect(variable(vap, 'hostPathsReadWrite')).toBe("(variables.p0 ? ['/scratch'] : [])");
    expect(variable(vap, 'networks')).toBe("(variables.p0 ? ['backend-*'] : [])");
    expect(variable(vap, 'selected')).toBe("(variables.p0 ? ', a' : '') + (variables.p1 ? ', b' : '')");
    const privileged = vap.spec.validations.find((v) => v.messageExpression.includes('privileged'));
    expect(privileged?.expression).toMatch(/\|\| variables\.p1$/);
  });

  it('names the field and the policies in every message, and checks only created or changed specs', () => {
    const vap = admissionPolicy([policy('a', {})]);
    for (const v of vap.spec.validations) {
      expect(v.messageExpression).toMatch(/^'spec\.[a-zA-Z.]+: ' \+ /);
      expect(v.messageExpression).toContain('variables.decidedBy');
      expect(v.reason).toBe('Forbidden');
    }
    expect(vap.spec.matchConditions[0]!.expression).toBe(
      "request.operation == 'CREATE' || (!has(object.metadata.deletionTimestamp) && object.spec != oldObject.spec)",
    );
    expect(vap.spec.matchConstraints.resourceRules[0]).toEqual({
      apiGroups: ['nativecontainer.io'],
      apiVersions: ['*'],
      operations: ['CREATE', 'UPDATE'],
      resources: ['nativecontainers'],
    });
  });

  it('is the same object for the same policies in any order, and records which generations it reflects', () => {
    const a = policy('a', { gpus: true }, 3);
    const b = policy('b', { privileged: true }, 7);
    expect(admissionPolicy([a, b])).toEqual(admissionPolicy([b, a]));
    expect(admissionPolicy([a, b]).metadata.annotations['nativecontainer.io/policies']).toBe('a@3,b@7');
    expect(admissionPolicy([a])).not.toEqual(admissionPolicy([{ ...a, spec: { ...a.spec, gpus: false } }]));
  });

  it('leaves out a policy being deleted', () => {
    const gone = { ...policy('gone', { privileged: true }), metadata: { name: 'gone', deletionTimestamp: 'x' } };
    expect(admissionPolicy([gone])).toEqual(admissionPolicy([]));
  });

  it('is bound to every namespace, denying', () => {
    expect(admissionBinding().spec).toEqual({ policyName: ADMISSION_POLICY_NAME, validationActions: ['Deny'] });
  });
});
