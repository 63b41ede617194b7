// fast-check arbitraries of NativeContainer specs and of what Docker may hold for one resource,
// for the property tests of the planner and the spec translation (plan-properties.test.ts).
// Each spec field has its own arbitrary in SPEC_FIELDS: a new field of the API gets one line
// here, and every property then covers it.
import fc from 'fast-check';
import type { NativeContainerSpec } from '../../src/api/native-container.ts';
import type { ContainerRunState, ObservedContainer } from '../../src/backend/container-backend.ts';
import type { Desired } from '../../src/controllers/nativecontainer/desired.ts';
import {
  LABELS,
  MANAGED_BY,
  OWNER_KIND,
  volumeLabels,
  volumeName,
} from '../../src/controllers/nativecontainer/identity.ts';
import type { Memory } from '../../src/controllers/nativecontainer/plan.ts';

export const NAMESPACE = 'team-a';
export const NAME = 'web';
export const UID = 'uid-1';

/** Images the engine holds from the start; the others must be pulled. */
export const LOCAL_IMAGES = ['nco-test/busybox:1', 'nco-test/busybox:2'];
const IMAGES = [...LOCAL_IMAGES, 'nco-test/busybox', 'registry.example.com:5000/team/app:v1', 'nginx:1.27'];

/** Free text with what breaks shells and parsers: quotes, $(...), ;, newlines, unicode. */
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('$(id)', '`id`', 'a; b', "it's", '"', '\\', 'line\nbreak', 'e\u0301', '\u202Eabc', ''),
);
const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,6}[a-z0-9])?$/);
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/);
const absolutePath = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9._-]{0,6}$/), { minLength: 1, maxLength: 3 })
  .map((parts) => `/${parts.join('/')}`);

const volume = fc.record(
  { name: dnsLabel, mountPath: absolutePath, readOnly: fc.boolean(), autoDelete: fc.boolean() },
  { requiredKeys: ['name', 'mountPath'] },
);
const port = fc.record(
  {
    containerPort: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'SCTP' as const),
    hostPort: fc.integer({ min: 1, max: 65535 }),
    hostIP: fc.constantFrom('127.0.0.1', '::1', '10.1.2.3'),
  },
  { requiredKeys: ['containerPort'] },
);

/** One arbitrary per spec field; absent fields are left out of the spec. */
export const SPEC_FIELDS = {
  image: fc.constantFrom(...IMAGES),
  imagePullPolicy: fc.constantFrom('Always' as const, 'IfNotPresent' as const, 'Never' as const),
  command: fc.array(text, { minLength: 1, maxLength: 3 }),
  args: fc.array(text, { maxLength: 3 }),
  tty: fc.boolean(),
  stdin: fc.boolean(),
  workingDir: absolutePath,
  env: fc.uniqueArray(fc.record({ name: envName, value: text }), { selector: (e) => e.name, maxLength: 4 }),
  hostname: dnsLabel,
  labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z.]{0,6}$/), text, { maxKeys: 3 }),
  description: text,
  resources: fc.record(
    { cpu: fc.constantFrom('10m', '500m', '1', 2), memory: fc.constantFrom('6Mi', '64Mi', '1Gi', 268435456) },
    { requiredKeys: [] },
  ),
  volumes: fc.uniqueArray(volume, { selector: (v) => v.name, maxLength: 3 }).map((vs) =>
    // Unique mount paths, as the CRD demands.
    vs.filter((v, i) => vs.findIndex((w) => w.mountPath === v.mountPath) === i),
  ),
  ports: fc
    .uniqueArray(port, { selector: (p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`, maxLength: 3 })
    .map((ps) => ps.filter((p, i) => !p.hostPort || ps.findIndex((q) => q.hostPort === p.hostPort) === i)),
  restartPolicy: fc.constantFrom('Always' as const, 'OnFailure' as const, 'Never' as const, 'UnlessStopped' as const),
  // May move to another host: Docker's policy is no, and the operator restarts the container.
  placement: fc.record({ rescheduleAfterSeconds: fc.constantFrom(0, 60) }),
  healthcheck: fc.record({ command: fc.array(text, { minLength: 1, maxLength: 2 }) }),
  state: fc.constantFrom('Running' as const, 'Stopped' as const, 'Paused' as const),
  stopTimeoutSeconds: fc.integer({ min: 0, max: 3600 }),
  stopSignal: fc.constantFrom('SIGTERM', 'SIGINT', 'SIGKILL'),
  logging: fc.record(
    { driver: fc.constantFrom('local', 'json-file'), maxSize: fc.constantFrom('10m', '512k'), maxFiles: fc.nat(5) },
    { requiredKeys: [] },
  ),
  restartRequest: fc.constantFrom('r1', 'r2'),
  rebuildRequest: fc.constantFrom('b1', 'b2'),
};

/** A valid spec: any subset of the fields, with maxRetries only under OnFailure. */
export const specArb: fc.Arbitrary<NativeContainerSpec> = fc
  .record(SPEC_FIELDS, { requiredKeys: ['image'] })
  .chain((spec) =>
    spec.restartPolicy === 'OnFailure'
      ? fc
          .record({ maxRetries: fc.option(fc.nat(5), { nil: undefined }) })
          .map((r) => withoutUndefined({ ...spec, ...r }))
      : fc.constant(spec),
  )
  .map((spec) => {
    // The CRD's minimum of one log file.
    if (spec.logging?.maxFiles === 0) spec.logging.maxFiles = 1;
    return spec;
  });

/** What the operator remembers in status, in any combination. */
export const memoryArb: fc.Arbitrary<Memory> = fc.record(
  { restartRequest: fc.constantFrom('r1', 'r2'), stoppedOnRequest: fc.boolean() },
  { requiredKeys: ['stoppedOnRequest'] },
);

const STATES: ContainerRunState[] = ['created', 'running', 'paused', 'restarting', 'exited', 'dead'];

/**
 * What the engine may hold for the resource `desired` stands for: up to three containers of its
 * own (the desired config or an older one, under its name, its next name or another, in any
 * state), up to two left by an earlier resource of the same name, and volumes of the spec and
 * of earlier specs, kept or not.
 */
export function engineStateArb(desired: Desired): fc.Arbitrary<EngineState> {
  const container = (uid: string): fc.Arbitrary<ObservedContainer> =>
    fc
      .record({
        name: fc.constantFrom(desired.config.name, desired.nextName, `${desired.config.name}_old`),
        state: fc.constantFrom(...STATES),
        current: fc.boolean(),
        image: fc.constantFrom(desired.config.image, ...LOCAL_IMAGES),
        nanoCpus: fc.option(fc.constantFrom(10_000_000, 1_000_000_000), { nil: undefined }),
        restartPolicy: fc.constantFrom('always', 'no', 'on-failure', 'unless-stopped'),
        health: fc.option(fc.constantFrom('starting' as const, 'healthy' as const, 'unhealthy' as const), {
          nil: undefined,
        }),
        exitCode: fc.constantFrom(0, 1, 137),
      })
      .map((c) => ({
        id: '',
        name: c.name,
        image: c.current ? desired.config.image : c.image,
        imageId: `sha256:${c.image}`,
        state: c.state,
        labels: {
          [LABELS.managedBy]: MANAGED_BY,
          [LABELS.ownerKind]: OWNER_KIND,
          [LABELS.ownerNamespace]: NAMESPACE,
          [LABELS.ownerName]: NAME,
          [LABELS.ownerUid]: uid,
          [LABELS.configHash]: c.current ? desired.hash : 'an-older-spec',
        },
        exitCode: c.exitCode,
        restartCount: 0,
        ...(c.health ? { health: c.health } : {}),
        resources: c.nanoCpus === undefined ? {} : { nanoCpus: c.nanoCpus },
        restartPolicy: { name: c.restartPolicy, maximumRetryCount: 0 },
        ports: [],
      }));
  const specVolumes = desired.volumes.map((v) => v.specName);
  const volume = fc.record({
    name: fc.constantFrom(...specVolumes, 'gone', 'older'),
    autoDelete: fc.boolean(),
  });
  return fc.record({
    owned: fc.array(container(UID), { maxLength: 3 }),
    stale: fc.array(container('uid-0'), { maxLength: 2 }),
    volumes: fc.uniqueArray(volume, { selector: (v) => v.name, maxLength: 4 }).map((vs) =>
      vs.map((v) => ({
        name: volumeName(NAMESPACE, NAME, v.name),
        labels: volumeLabels(NAMESPACE, NAME, v.name, v.autoDelete),
      })),
    ),
    imagePresent: fc.boolean(),
  });
}

export interface EngineState {
  owned: ObservedContainer[];
  stale: ObservedContainer[];
  volumes: { name: string; labels: Record<string, string> }[];
  imagePresent: boolean;
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
