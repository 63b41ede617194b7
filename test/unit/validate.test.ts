import { describe, expect, it } from 'vitest';
import { validateNativeContainer } from '../../src/api/validate.ts';

function nc(spec: unknown) {
  return { apiVersion: 'nativecontainer.io/v1alpha1', kind: 'NativeContainer', metadata: { name: 'x' }, spec };
}

describe('NativeContainer validation against the CRD schema', () => {
  it('accepts a minimal spec', () => {
    expect(validateNativeContainer(nc({ image: 'busybox' }))).toEqual([]);
  });

  it('accepts a full spec', () => {
    const spec = {
      image: 'busybox:1',
      command: ['/bin/sh'],
      args: ['-c', 'true'],
      env: [{ name: 'A', value: 'b' }],
      state: 'Stopped',
    };
    expect(validateNativeContainer(nc(spec))).toEqual([]);
  });

  it('rejects a missing image with the field named', () => {
    expect(validateNativeContainer(nc({}))).toEqual(["spec.image: must have required property 'image'"]);
  });

  it('rejects an unknown state and lists the allowed ones', () => {
    expect(validateNativeContainer(nc({ image: 'b', state: 'Sleeping' }))).toEqual([
      'spec.state: must be one of ["Running","Stopped"]',
    ]);
  });

  it('rejects a bad env name and points at the entry', () => {
    expect(validateNativeContainer(nc({ image: 'b', env: [{ name: '1bad' }] }))[0]).toMatch(
      /^spec\.env\[0\]\.name: must match pattern/,
    );
  });

  it('rejects a command that is a string rather than a list', () => {
    expect(validateNativeContainer(nc({ image: 'b', command: '/bin/sh -c true' }))).toEqual([
      'spec.command: must be array',
    ]);
  });

  it('rejects an empty image', () => {
    expect(validateNativeContainer(nc({ image: '' }))[0]).toMatch(
      /^spec\.image: must NOT have fewer than 1 characters/,
    );
  });
});
