import { describe, expect, it } from 'vitest';
import type { PortMapping } from '../../src/backend/container-backend.ts';
import { hostPortConflict } from '../../src/controllers/nativecontainer/host-ports.ts';
import { LABELS, MANAGED_BY } from '../../src/controllers/nativecontainer/identity.ts';
import { container } from './fixtures.ts';

/** A container of another resource, team-b/db, publishing `ports`. */
function other(ports: PortMapping[], name = 'db'): ReturnType<typeof container> {
  return container('bbbbbbbbbbbb1', 'running', 'h', {
    ports,
    labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.ownerNamespace]: 'team-b', [LABELS.ownerName]: name },
  });
}

const tcp = (hostPort: number, hostIP?: string): PortMapping => ({
  containerPort: 80,
  protocol: 'tcp',
  hostPort,
  ...(hostIP ? { hostIP } : {}),
});

describe('host ports between resources', () => {
  it.each<[string, PortMapping[], PortMapping[]]>([
    ['the same port on every address', [tcp(8080)], [tcp(8080)]],
    ['the same port, one on every address and one on 127.0.0.1', [tcp(8080, '127.0.0.1')], [tcp(8080)]],
    ['the same port on 0.0.0.0 and on 127.0.0.1', [tcp(8080, '0.0.0.0')], [tcp(8080, '127.0.0.1')]],
    ['the same port on :: and on ::1', [tcp(8080, '::1')], [tcp(8080, '::')]],
    ['the same port on the same address', [tcp(8080, '127.0.0.2')], [tcp(8080, '127.0.0.2')]],
  ])('conflict: %s', (_what, mine, theirs) => {
    expect(hostPortConflict(mine, [other(theirs)], 'team-a/web', 'local')).toMatch(
      /^Host port (\S+:)?8080\/tcp is already published by NativeContainer team-b\/db \(container bbbbbbbbbbbb\) on Docker host local\./,
    );
  });

  it.each<[string, PortMapping[], PortMapping[]]>([
    ['another port', [tcp(8080)], [tcp(8081)]],
    ['the same port under another protocol', [tcp(8080)], [{ containerPort: 80, protocol: 'udp', hostPort: 8080 }]],
    ['the same port on two other addresses', [tcp(8080, '127.0.0.2')], [tcp(8080, '127.0.0.3')]],
    [
      'a port that is only exposed',
      [{ containerPort: 8080, protocol: 'tcp' }],
      [{ containerPort: 8080, protocol: 'tcp' }],
    ],
  ])('no conflict: %s', (_what, mine, theirs) => {
    expect(hostPortConflict(mine, [other(theirs)], 'team-a/web', 'local')).toBeUndefined();
  });

  it('ignores the containers of the resource itself (the old one of its rebuild, a stale copy)', () => {
    expect(hostPortConflict([tcp(8080)], [other([tcp(8080)], 'web')], 'team-b/web', 'local')).toBeUndefined();
  });
});
