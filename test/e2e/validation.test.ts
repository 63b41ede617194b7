// The API server and the operator's validator judge the same specs the same way: the CRD
// schema with its CEL rules is the one source, and the operator's mirror of it agrees.
// All cases go to the API server in one `kubectl create --dry-run=server`, to keep this fast.
import { beforeAll, describe, expect, it } from 'vitest';
import { validateContainerSecret, validateImageBuild, validateNativeContainer } from '../../src/api/validate.ts';
import { VALIDATION_CASES } from '../unit/validation-cases.ts';
import { createNamespace, kubectl } from './support.ts';

describe('validation', () => {
  let ns: string;
  let acceptedByServer: Set<string>;
  let serverErrors: string;

  beforeAll(async () => {
    ns = await createNamespace('validation');
    // JSON documents, not YAML: kubectl reads YAML 1.1, where an unquoted yes is a boolean.
    const docs = VALIDATION_CASES.map((c, i) =>
      JSON.stringify({
        apiVersion: 'nativecontainer.io/v1alpha1',
        kind: c.kind,
        metadata: { name: `case-${i}`, namespace: ns },
        spec: c.spec,
      }),
    );
    const res = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
      input: docs.join('\n---\n'),
      allowFail: true,
    });
    acceptedByServer = new Set(
      res.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(line.indexOf('/') + 1)),
    );
    serverErrors = res.stderr;
  });

  it('sends the API server at least 60 specs, and it accepts some and refuses others', () => {
    expect(VALIDATION_CASES.length).toBeGreaterThanOrEqual(60);
    expect(acceptedByServer.size).toBeGreaterThan(0);
    expect(acceptedByServer.size).toBeLessThan(VALIDATION_CASES.length);
  });

  it.each(VALIDATION_CASES.map((c, i) => ({ ...c, i })))(
    'the API server and the operator agree on a $kind with $what (valid: $valid)',
    ({ kind, spec, valid, i }) => {
      const obj = { apiVersion: 'nativecontainer.io/v1alpha1', kind, metadata: { name: `case-${i}` }, spec };
      const validate = {
        NativeContainer: validateNativeContainer,
        ContainerSecret: validateContainerSecret,
        ImageBuild: validateImageBuild,
      };
      const operator = validate[kind](obj);
      const server = acceptedByServer.has(`case-${i}`);
      const serverSaid = serverErrors.split('\n').find((l) => l.includes(`"case-${i}"`)) ?? '(accepted)';
      expect({ server, operator: operator.length === 0, serverSaid }).toEqual({
        server: valid,
        operator: valid,
        serverSaid: expect.any(String) as unknown,
      });
    },
  );

  it('explains the resources field with its descriptions (kubectl explain)', async () => {
    const out = (await kubectl(['explain', 'nativecontainer.spec.resources'])).stdout;
    expect(out).toContain('changed in place with docker update');
    expect(out).toMatch(/cpu\s+<\w+>\s+CPU limit as a Kubernetes quantity/);
    expect(out).toMatch(/memory\s+<\w+>\s+Memory limit as a Kubernetes quantity/);
  });

  it('explains every field of the spec, so kubectl explain teaches the whole API', async () => {
    const out = (await kubectl(['explain', 'nativecontainer.spec'])).stdout;
    for (const field of [
      'image',
      'imagePullPolicy',
      'secretRef',
      'volumes',
      'ports',
      'healthcheck',
      'restartRequest',
      'rebuildRequest',
    ]) {
      expect(out).toMatch(new RegExp(`\\n  ${field}\\s+<`));
    }
    const csec = (await kubectl(['explain', 'containersecret.spec'])).stdout;
    expect(csec).toContain('passwordSecretRef');
    expect(csec).not.toMatch(/\n {2}password\s+</);
  });
});
