// The planner's golden rows: for each transition, the printed plan. Every row is a sentence.
// test/unit/plan.test.ts compares each printed plan; test/unit/plan-converges.test.ts applies each
// plan to the in-memory engine and checks that the next plan is empty.
import type { NativeContainerSpec, NativeContainerStatus } from '../../src/api/native-container.ts';
import type { ObservedContainer } from '../../src/backend/container-backend.ts';
import { desiredContainer, type Desired } from '../../src/controllers/nativecontainer/desired.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import type { Memory, Observed } from '../../src/controllers/nativecontainer/plan.ts';
import { container, nativeContainer, type ContainerExtra } from './fixtures.ts';

const desired = (spec: Partial<NativeContainerSpec> = {}): Desired => desiredContainer(nativeContainer(spec));
export const H = desired().hash;
const ID = 'aaaaaaaaaaaa1';
/** A resource that may move to another host: the operator, not Docker, restarts its container. */
const movable = (spec: Partial<NativeContainerSpec> = {}): Desired =>
  desired({ placement: { rescheduleAfterSeconds: 60 }, ...spec });
const NO = { name: 'no', maximumRetryCount: 0 } as const;
const T0 = new Date('2026-11-30T10:00:00Z');
/** Docker's times of a run that lasted one second. */
const ranOneSecond = { startedAt: '2026-11-30T09:59:58.000Z', finishedAt: '2026-11-30T09:59:59.000Z' };
/** The default resource as gather gives it for a placement generation (a label on its containers). */
const placement = (generation: number): Desired => {
  const d = desired();
  const labels = { ...d.config.labels, [LABELS.placementGeneration]: String(generation) };
  return { ...d, config: { ...d.config, labels } };
};
/** The one container of the resource, in a state, with the hash of the default spec unless given. */
export const one = (
  state: ObservedContainer['state'],
  extra: ContainerExtra & { hash?: string } = {},
): ObservedContainer => container(ID, state, extra.hash ?? H, extra);

export function observed(owned: ObservedContainer[], extra: Partial<Observed> = {}): Observed {
  return { owned, stale: [], imagePresent: true, volumes: [], ...extra };
}

export interface Case {
  name: string;
  desired: Desired;
  observed: Observed;
  deleting?: boolean;
  memory?: Memory;
  /** The clock of the plan (unhealthy restarts back off); absent: the planner does not act on health. */
  now?: Date;
  expected: string[];
}

export const create: Case[] = [
  {
    name: 'a missing container with its image present is created and started',
    desired: desired(),
    observed: observed([]),
    expected: ['Create nc_team-a_web (container does not exist)', 'Start new container (desired state is Running)'],
  },
  {
    name: 'a missing container whose image is absent pulls first',
    desired: desired(),
    observed: observed([], { imagePresent: false }),
    expected: [
      'Pull nco-test/busybox:1 (image not present)',
      'Create nc_team-a_web (container does not exist)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a :latest image is pulled even when present, as Kubernetes does by default',
    desired: desired({ image: 'nco-test/busybox' }),
    observed: observed([]),
    expected: [
      'Pull nco-test/busybox:latest (imagePullPolicy is Always)',
      'Create nc_team-a_web (container does not exist)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'imagePullPolicy Never with the image absent is blocked before anything is created',
    desired: desired({ imagePullPolicy: 'Never' }),
    observed: observed([], { imagePresent: false }),
    expected: [
      'Blocked ImageNotFound (image nco-test/busybox:1 is not present and imagePullPolicy is Never)',
      'Create nc_team-a_web (container does not exist)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a missing container that should be stopped is created but not started',
    desired: desired({ state: 'Stopped' }),
    observed: observed([]),
    expected: ['Create nc_team-a_web (container does not exist)'],
  },
  {
    name: 'a missing container that should be paused is created, started and paused',
    desired: desired({ state: 'Paused' }),
    observed: observed([]),
    expected: [
      'Create nc_team-a_web (container does not exist)',
      'Start new container (a container is started before it is paused)',
      'Pause new container (desired state is Paused)',
    ],
  },
  {
    name: 'volumes that do not exist are created before the container',
    desired: desired({ volumes: [{ name: 'data', mountPath: '/data' }] }),
    observed: observed([]),
    expected: [
      'CreateVolume nc_team-a_web_data (volume data does not exist)',
      'Create nc_team-a_web (container does not exist)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a volume kept from an earlier resource of the same name is mounted again, not created',
    desired: desired({ volumes: [{ name: 'data', mountPath: '/data' }] }),
    observed: observed([], { volumes: [{ name: 'nc_team-a_web_data', labels: {} }] }),
    expected: ['Create nc_team-a_web (container does not exist)', 'Start new container (desired state is Running)'],
  },
  {
    name: 'a container left by an earlier resource of the same name is removed before creating',
    desired: desired(),
    observed: observed([], { stale: [container('cccccccccccc3', 'running', H, { uid: 'uid-0' })] }),
    expected: [
      'Remove cccccccccccc (left by an earlier resource of the same name)',
      'Create nc_team-a_web (container does not exist)',
      'Start new container (desired state is Running)',
    ],
  },
];

export const states: Case[] = [
  {
    name: 'a running container that matches the spec needs nothing',
    desired: desired(),
    observed: observed([one('running')]),
    expected: [],
  },
  {
    name: 'an exited container under restartPolicy Always is started',
    desired: desired(),
    observed: observed([one('exited')]),
    expected: ['Start aaaaaaaaaaaa (container is exited)'],
  },
  {
    name: 'a created container that should run is started',
    desired: desired(),
    observed: observed([one('created')]),
    expected: ['Start aaaaaaaaaaaa (container is created)'],
  },
  {
    name: 'a container that exited on its own under restartPolicy Never stays exited',
    desired: desired({ restartPolicy: 'Never' }),
    observed: observed([
      one('exited', {
        hash: desired({ restartPolicy: 'Never' }).hash,
        restartPolicy: { name: 'no', maximumRetryCount: 0 },
      }),
    ]),
    expected: [],
  },
  {
    name: 'a container that gave up under restartPolicy OnFailure stays exited',
    desired: desired({ restartPolicy: 'OnFailure', maxRetries: 2 }),
    observed: observed([one('exited', { restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } })]),
    expected: [],
  },
  {
    name: 'a container stopped on request under restartPolicy Never starts again when the state is Running again',
    desired: desired({ restartPolicy: 'Never' }),
    observed: observed([one('exited', { restartPolicy: { name: 'no', maximumRetryCount: 0 } })]),
    memory: { stoppedOnRequest: true },
    expected: ['Start aaaaaaaaaaaa (desired state is Running again)'],
  },
  {
    name: 'a container its Docker engine stopped when it went away is started again under restartPolicy OnFailure',
    desired: desired({ restartPolicy: 'OnFailure' }),
    observed: observed([
      one('exited', {
        exitCode: 0,
        stoppedByEngine: true,
        restartPolicy: { name: 'on-failure', maximumRetryCount: 0 },
      }),
    ]),
    expected: ['Start aaaaaaaaaaaa (its Docker engine stopped it when it went away)'],
  },
  {
    name: 'a container its Docker engine stopped is left stopped when the spec says Stopped',
    desired: desired({ restartPolicy: 'Never', state: 'Stopped' }),
    observed: observed([one('exited', { stoppedByEngine: true, restartPolicy: { name: 'no', maximumRetryCount: 0 } })]),
    expected: [],
  },
  {
    name: 'a container that exited by itself under restartPolicy OnFailure with code 0 stays exited',
    desired: desired({ restartPolicy: 'OnFailure' }),
    observed: observed([one('exited', { exitCode: 0, restartPolicy: { name: 'on-failure', maximumRetryCount: 0 } })]),
    expected: [],
  },
  {
    name: 'a container that may move and exited under restartPolicy Always is started by the operator at once',
    desired: movable(),
    observed: observed([one('exited', { exitCode: 1, restartPolicy: NO })]),
    now: T0,
    expected: ['Start aaaaaaaaaaaa (exited with code 1; restartPolicy is Always)'],
  },
  {
    name: 'a container that may move and keeps exiting waits out the back-off after its run (1 s + 400 ms)',
    desired: movable(),
    observed: observed([one('exited', { exitCode: 1, restartPolicy: NO, ...ranOneSecond })]),
    memory: {
      stoppedOnRequest: false,
      exitRestarts: { containerID: ID, count: 2, delayMs: 200, at: T0.toISOString() },
    },
    now: new Date(T0.getTime() + 1399),
    expected: [],
  },
  {
    name: 'a container that may move and keeps exiting is started again once the back-off is over',
    desired: movable(),
    observed: observed([one('exited', { exitCode: 1, restartPolicy: NO, ...ranOneSecond })]),
    memory: {
      stoppedOnRequest: false,
      exitRestarts: { containerID: ID, count: 2, delayMs: 200, at: T0.toISOString() },
    },
    now: new Date(T0.getTime() + 1400),
    expected: ['Start aaaaaaaaaaaa (exited with code 1; restartPolicy is Always)'],
  },
  {
    name: 'a container that may move under restartPolicy OnFailure is retried by the operator up to maxRetries',
    desired: movable({ restartPolicy: 'OnFailure', maxRetries: 2 }),
    observed: observed([one('exited', { exitCode: 3, restartPolicy: NO })]),
    memory: {
      stoppedOnRequest: false,
      exitRestarts: { containerID: ID, count: 1, delayMs: 100, at: T0.toISOString() },
    },
    now: new Date(T0.getTime() + 60_000),
    expected: ['Start aaaaaaaaaaaa (exited with code 3; restartPolicy is OnFailure (retry 2 of 2))'],
  },
  {
    name: 'a container that may move under restartPolicy OnFailure stays exited after maxRetries',
    desired: movable({ restartPolicy: 'OnFailure', maxRetries: 2 }),
    observed: observed([one('exited', { exitCode: 3, restartPolicy: NO })]),
    memory: {
      stoppedOnRequest: false,
      exitRestarts: { containerID: ID, count: 2, delayMs: 200, at: T0.toISOString() },
    },
    now: new Date(T0.getTime() + 60_000),
    expected: [],
  },
  {
    name: 'a container that may move under restartPolicy OnFailure stays exited after exiting with code 0',
    desired: movable({ restartPolicy: 'OnFailure' }),
    observed: observed([one('exited', { exitCode: 0, restartPolicy: NO })]),
    now: T0,
    expected: [],
  },
  {
    name: 'a container Docker is restarting is left to Docker',
    desired: desired(),
    observed: observed([one('restarting')]),
    expected: [],
  },
  {
    name: 'a running container that should be stopped is stopped',
    desired: desired({ state: 'Stopped' }),
    observed: observed([one('running')]),
    expected: ['Stop aaaaaaaaaaaa (desired state is Stopped)'],
  },
  {
    name: 'a stopped container that should be stopped needs nothing',
    desired: desired({ state: 'Stopped' }),
    observed: observed([one('exited')]),
    expected: [],
  },
  {
    name: 'a running container that should be paused is paused',
    desired: desired({ state: 'Paused' }),
    observed: observed([one('running')]),
    expected: ['Pause aaaaaaaaaaaa (desired state is Paused)'],
  },
  {
    name: 'a paused container that should be paused needs nothing',
    desired: desired({ state: 'Paused' }),
    observed: observed([one('paused')]),
    expected: [],
  },
  {
    name: 'a paused container that should run is unpaused',
    desired: desired(),
    observed: observed([one('paused')]),
    expected: ['Unpause aaaaaaaaaaaa (desired state is Running)'],
  },
  {
    name: 'a paused container that should be stopped is unpaused first so that it stops gracefully',
    desired: desired({ state: 'Stopped' }),
    observed: observed([one('paused')]),
    expected: [
      'Unpause aaaaaaaaaaaa (a paused container is unpaused to stop gracefully)',
      'Stop aaaaaaaaaaaa (desired state is Stopped)',
    ],
  },
  {
    name: 'a stopped container that should be paused is started, then paused',
    desired: desired({ state: 'Paused' }),
    observed: observed([one('exited')]),
    expected: [
      'Start aaaaaaaaaaaa (a container is started before it is paused)',
      'Pause aaaaaaaaaaaa (desired state is Paused)',
    ],
  },
];

export const inPlace: Case[] = [
  {
    name: 'a new cpu limit is applied in place, without a rebuild',
    desired: desired({ resources: { cpu: '1' } }),
    observed: observed([
      one('running', { hash: desired({ resources: { cpu: '500m' } }).hash, resources: { nanoCpus: 500_000_000 } }),
    ]),
    expected: ['Update aaaaaaaaaaaa (in place: cpu 0.5 -> 1)'],
  },
  {
    name: 'a new memory limit is applied in place, without a rebuild',
    desired: desired({ resources: { memory: '128Mi' } }),
    observed: observed([
      one('running', { hash: desired({ resources: { memory: '64Mi' } }).hash, resources: { memoryBytes: 67108864 } }),
    ]),
    expected: ['Update aaaaaaaaaaaa (in place: memory 67108864 -> 134217728 bytes)'],
  },
  {
    name: 'a new restart policy is applied in place',
    desired: desired({ restartPolicy: 'OnFailure', maxRetries: 3 }),
    observed: observed([one('running')]),
    expected: ['Update aaaaaaaaaaaa (in place: restart policy always -> on-failure:3)'],
  },
  {
    name: 'a container that opts into moving gets Docker restart policy no in place: the operator restarts it',
    desired: movable(),
    observed: observed([one('running')]),
    expected: ['Update aaaaaaaaaaaa (in place: restart policy always -> no)'],
  },
  {
    name: 'on an engine that cannot change a container in place (Podman 4.3), a new restart policy rebuilds',
    desired: { ...movable(), updatesInPlace: false },
    observed: observed([one('running')]),
    expected: [
      'Create nc_team-a_web_next (rebuild: restart policy always -> no (its engine cannot change a container in place))',
      'Stop aaaaaaaaaaaa (rebuild: restart policy always -> no (its engine cannot change a container in place))',
      'Remove aaaaaaaaaaaa (rebuild: restart policy always -> no (its engine cannot change a container in place))',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a copy from an earlier placement on a host the resource came back to is replaced (its volumes stay)',
    desired: placement(3),
    observed: observed([one('running', { labels: { [LABELS.placementGeneration]: '1' } })]),
    expected: [
      'Create nc_team-a_web_next (rebuild: placed on this host again (placement 3); this copy is from placement 1)',
      'Stop aaaaaaaaaaaa (rebuild: placed on this host again (placement 3); this copy is from placement 1)',
      'Remove aaaaaaaaaaaa (rebuild: placed on this host again (placement 3); this copy is from placement 1)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a copy from a later placement than status says (a status restored without it) is kept',
    desired: placement(1),
    observed: observed([one('running', { labels: { [LABELS.placementGeneration]: '3' } })]),
    expected: [],
  },
  {
    name: 'an unchanged limit does not update',
    desired: desired({ resources: { cpu: '500m', memory: '64Mi' } }),
    observed: observed([
      one('running', {
        hash: desired({ resources: { cpu: '500m', memory: '64Mi' } }).hash,
        resources: { nanoCpus: 5e8, memoryBytes: 67108864 },
      }),
    ]),
    expected: [],
  },
  {
    name: 'a new limit of a stopped container is applied in place and the container stays stopped',
    desired: desired({ state: 'Stopped', resources: { memory: '128Mi' } }),
    observed: observed([
      one('exited', { hash: desired({ resources: { memory: '64Mi' } }).hash, resources: { memoryBytes: 67108864 } }),
    ]),
    expected: ['Update aaaaaaaaaaaa (in place: memory 67108864 -> 134217728 bytes)'],
  },
  {
    name: 'a restart request restarts a running container once',
    desired: desired({ restartRequest: '2026-11-22T10:00:00Z' }),
    observed: observed([one('running')]),
    memory: { stoppedOnRequest: false },
    expected: ['Restart aaaaaaaaaaaa (restart requested)'],
  },
  {
    name: 'a restart request already carried out does nothing',
    desired: desired({ restartRequest: '2026-11-22T10:00:00Z' }),
    observed: observed([one('running')]),
    memory: { restartRequest: '2026-11-22T10:00:00Z', stoppedOnRequest: false },
    expected: [],
  },
  {
    name: 'a restart request starts a container that exited under restartPolicy Never',
    desired: desired({ restartPolicy: 'Never', restartRequest: 'again' }),
    observed: observed([one('exited', { restartPolicy: { name: 'no', maximumRetryCount: 0 } })]),
    memory: { restartRequest: 'first', stoppedOnRequest: false },
    expected: ['Start aaaaaaaaaaaa (restart requested)'],
  },
  {
    name: 'a restart request of a paused container that should run unpauses and restarts it',
    desired: desired({ restartRequest: 'r1' }),
    observed: observed([one('paused')]),
    expected: ['Unpause aaaaaaaaaaaa (desired state is Running)', 'Restart aaaaaaaaaaaa (restart requested)'],
  },
  {
    name: 'a restart request while Stopped does not start the container',
    desired: desired({ state: 'Stopped', restartRequest: 'r1' }),
    observed: observed([one('exited')]),
    expected: [],
  },
  {
    name: 'a new limit and a stop together update in place, then stop',
    desired: desired({ state: 'Stopped', resources: { cpu: '2' } }),
    observed: observed([
      one('running', { hash: desired({ resources: { cpu: '1' } }).hash, resources: { nanoCpus: 1e9 } }),
    ]),
    expected: ['Update aaaaaaaaaaaa (in place: cpu 1 -> 2)', 'Stop aaaaaaaaaaaa (desired state is Stopped)'],
  },
];

export const newImage = desired({ image: 'nco-test/busybox:2' });
export const rebuild: Case[] = [
  {
    // Found by test/unit/plan-properties.test.ts: the new container was created under the next
    // name, which the old one still had, and Docker refused it on every retry.
    name: 'an interrupted rebuild left only the next name, and the spec changed again: the new container takes the final name',
    desired: newImage,
    observed: observed([one('created', { name: 'nc_team-a_web_next' })]),
    expected: [
      'Create nc_team-a_web (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Remove aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a new image rebuilds a running container: pull while the old one runs, create the new one, then replace',
    desired: newImage,
    observed: observed([one('running')], { imagePresent: false }),
    expected: [
      'Pull nco-test/busybox:2 (image not present)',
      'Create nc_team-a_web_next (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Stop aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Remove aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a rebuild of a stopped container leaves it stopped',
    desired: desired({ image: 'nco-test/busybox:2', state: 'Stopped' }),
    observed: observed([one('exited')]),
    expected: [
      'Create nc_team-a_web_next (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Remove aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
    ],
  },
  {
    name: 'a rebuild of a paused container unpauses and stops the old one and pauses the new one',
    desired: desired({ image: 'nco-test/busybox:2', state: 'Paused' }),
    observed: observed([one('paused')]),
    expected: [
      'Create nc_team-a_web_next (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Unpause aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Stop aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Remove aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (a container is started before it is paused)',
      'Pause new container (desired state is Paused)',
    ],
  },
  {
    name: 'a rebuild request rebuilds with the same image',
    desired: desired({ rebuildRequest: 'r1' }),
    observed: observed([one('running')]),
    expected: [
      'Create nc_team-a_web_next (rebuild: rebuild requested)',
      'Stop aaaaaaaaaaaa (rebuild: rebuild requested)',
      'Remove aaaaaaaaaaaa (rebuild: rebuild requested)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a rebuild request of a :latest image pulls it again',
    desired: desired({ image: 'reg.local/app', rebuildRequest: 'r2' }),
    observed: observed([
      one('running', {
        image: 'reg.local/app:latest',
        hash: desired({ image: 'reg.local/app', rebuildRequest: 'r1' }).hash,
        labels: { 'nativecontainer.io/rebuild-request': 'r1' },
      }),
    ]),
    expected: [
      'Pull reg.local/app:latest (imagePullPolicy is Always)',
      'Create nc_team-a_web_next (rebuild: rebuild requested)',
      'Stop aaaaaaaaaaaa (rebuild: rebuild requested)',
      'Remove aaaaaaaaaaaa (rebuild: rebuild requested)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a new env value rebuilds',
    desired: desired({ env: [{ name: 'A', value: '2' }] }),
    observed: observed([one('running', { hash: desired({ env: [{ name: 'A', value: '1' }] }).hash })]),
    expected: [
      'Create nc_team-a_web_next (rebuild: configuration changed)',
      'Stop aaaaaaaaaaaa (rebuild: configuration changed)',
      'Remove aaaaaaaaaaaa (rebuild: configuration changed)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a rebuild with a new volume creates the volume first and keeps the existing ones',
    desired: desired({
      volumes: [
        { name: 'data', mountPath: '/data' },
        { name: 'logs', mountPath: '/logs' },
      ],
    }),
    observed: observed([one('running', { hash: desired({ volumes: [{ name: 'data', mountPath: '/data' }] }).hash })], {
      volumes: [{ name: 'nc_team-a_web_data', labels: {} }],
    }),
    expected: [
      'CreateVolume nc_team-a_web_logs (volume logs does not exist)',
      'Create nc_team-a_web_next (rebuild: configuration changed)',
      'Stop aaaaaaaaaaaa (rebuild: configuration changed)',
      'Remove aaaaaaaaaaaa (rebuild: configuration changed)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'adding a first cpu limit rebuilds, because Docker cannot lift one in place later',
    desired: desired({ resources: { cpu: '1' } }),
    observed: observed([one('running')]),
    expected: [
      'Create nc_team-a_web_next (rebuild: configuration changed)',
      'Stop aaaaaaaaaaaa (rebuild: configuration changed)',
      'Remove aaaaaaaaaaaa (rebuild: configuration changed)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a rebuild and a stop together leave the rebuilt container stopped',
    desired: desired({ image: 'nco-test/busybox:2', state: 'Stopped' }),
    observed: observed([one('running')]),
    expected: [
      'Create nc_team-a_web_next (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Stop aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Remove aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
    ],
  },
  {
    name: 'a rebuild makes a pending restart request moot: the new container is started once',
    desired: desired({ image: 'nco-test/busybox:2', restartRequest: 'r1' }),
    observed: observed([one('running')]),
    expected: [
      'Create nc_team-a_web_next (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Stop aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Remove aaaaaaaaaaaa (rebuild: image changed from nco-test/busybox:1 to nco-test/busybox:2)',
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a rebuild interrupted after the new container was created removes the old one and renames the new one',
    desired: newImage,
    observed: observed([
      one('running'),
      container('bbbbbbbbbbbb2', 'created', newImage.hash, { name: 'nc_team-a_web_next' }),
    ]),
    expected: [
      'Stop aaaaaaaaaaaa (duplicate container for one resource)',
      'Remove aaaaaaaaaaaa (duplicate container for one resource)',
      'Rename bbbbbbbbbbbb to nc_team-a_web (finish an interrupted rebuild)',
      'Start bbbbbbbbbbbb (container is created)',
    ],
  },
  {
    name: 'a rebuild interrupted after the old container was removed renames and starts the new one',
    desired: newImage,
    observed: observed([container('bbbbbbbbbbbb2', 'created', newImage.hash, { name: 'nc_team-a_web_next' })]),
    expected: [
      'Rename bbbbbbbbbbbb to nc_team-a_web (finish an interrupted rebuild)',
      'Start bbbbbbbbbbbb (container is created)',
    ],
  },
  {
    name: 'duplicates are removed and the matching running one is kept',
    desired: desired(),
    observed: observed([
      container('bbbbbbbbbbbb2', 'exited', H, { startedAt: '2026-01-01T00:00:00Z' }),
      container('aaaaaaaaaaaa1', 'running', H, { startedAt: '2026-01-02T00:00:00Z' }),
    ]),
    expected: ['Remove bbbbbbbbbbbb (duplicate container for one resource)'],
  },
];

export const deleting: Case[] = [
  {
    name: 'deleting a resource stops and removes its running container',
    desired: desired(),
    observed: observed([one('running')]),
    deleting: true,
    expected: ['Stop aaaaaaaaaaaa (resource is being deleted)', 'Remove aaaaaaaaaaaa (resource is being deleted)'],
  },
  {
    name: 'deleting a resource whose container is stopped only removes it',
    desired: desired(),
    observed: observed([one('exited')]),
    deleting: true,
    expected: ['Remove aaaaaaaaaaaa (resource is being deleted)'],
  },
  {
    name: 'deleting a resource whose container is paused unpauses, stops and removes it',
    desired: desired({ state: 'Paused' }),
    observed: observed([one('paused')]),
    deleting: true,
    expected: [
      'Unpause aaaaaaaaaaaa (resource is being deleted)',
      'Stop aaaaaaaaaaaa (resource is being deleted)',
      'Remove aaaaaaaaaaaa (resource is being deleted)',
    ],
  },
  {
    name: 'deleting a resource whose container is already gone does nothing',
    desired: desired(),
    observed: observed([]),
    deleting: true,
    expected: [],
  },
  {
    name: 'deleting removes autoDelete volumes after the container and keeps the others',
    desired: desired({
      volumes: [
        { name: 'cache', mountPath: '/cache' },
        { name: 'data', mountPath: '/data', autoDelete: false },
      ],
    }),
    observed: observed([one('exited')], {
      volumes: [
        { name: 'nc_team-a_web_cache', labels: { 'nativecontainer.io/auto-delete': 'true' } },
        { name: 'nc_team-a_web_data', labels: { 'nativecontainer.io/auto-delete': 'false' } },
      ],
    }),
    deleting: true,
    expected: [
      'Remove aaaaaaaaaaaa (resource is being deleted)',
      'RemoveVolume nc_team-a_web_cache (resource is being deleted and the volume has autoDelete)',
    ],
  },
  {
    name: 'deleting decides for a volume no longer in the spec by its label',
    desired: desired(),
    observed: observed([], {
      volumes: [
        { name: 'nc_team-a_web_old', labels: { 'nativecontainer.io/auto-delete': 'true' } },
        { name: 'nc_team-a_web_kept', labels: { 'nativecontainer.io/auto-delete': 'false' } },
      ],
    }),
    deleting: true,
    expected: ['RemoveVolume nc_team-a_web_old (resource is being deleted and the volume has autoDelete)'],
  },
  {
    name: 'the spec decides over the label when autoDelete changed after the volume was made',
    desired: desired({ volumes: [{ name: 'data', mountPath: '/data', autoDelete: false }] }),
    observed: observed([], {
      volumes: [{ name: 'nc_team-a_web_data', labels: { 'nativecontainer.io/auto-delete': 'true' } }],
    }),
    deleting: true,
    expected: [],
  },
  {
    name: 'deleting a resource also removes a container left by an earlier one of the same name',
    desired: desired(),
    observed: observed([one('running')], { stale: [container('cccccccccccc3', 'exited', H, { uid: 'uid-0' })] }),
    deleting: true,
    expected: [
      'Remove cccccccccccc (left by an earlier resource of the same name)',
      'Stop aaaaaaaaaaaa (resource is being deleted)',
      'Remove aaaaaaaaaaaa (resource is being deleted)',
    ],
  },
];

// Health: Docker marks the container unhealthy; spec.healthcheck.onUnhealthy says what follows.
const NOW = new Date('2026-11-22T10:00:00Z');
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();
const checked = (onUnhealthy?: 'None' | 'Restart' | 'Stop'): Desired =>
  desired({ healthcheck: { command: ['true'], ...(onUnhealthy ? { onUnhealthy } : {}) } });
const HC = checked().hash;
const unhealthy = one('running', {
  hash: HC,
  health: 'unhealthy',
  lastProbe: { exitCode: 1, output: 'ping: bad address\n', at: ago(1000) },
});

export const health: Case[] = [
  {
    // Found by test/unit/plan-properties.test.ts: the unpause came alone, and only the next plan restarted it.
    name: 'a paused container that Docker marks unhealthy is unpaused and restarted in one plan',
    desired: checked(),
    observed: observed([{ ...unhealthy, state: 'paused' }]),
    now: NOW,
    expected: [
      'Unpause aaaaaaaaaaaa (desired state is Running)',
      'Restart aaaaaaaaaaaa (unhealthy: its healthcheck failed: ping: bad address)',
    ],
  },
  {
    name: 'an unhealthy container is restarted at once the first time, with the probe output as the cause',
    desired: checked(),
    observed: observed([unhealthy]),
    now: NOW,
    expected: ['Restart aaaaaaaaaaaa (unhealthy: its healthcheck failed: ping: bad address)'],
  },
  {
    name: 'within the back-off after an unhealthy restart nothing is done',
    desired: checked(),
    observed: observed([unhealthy]),
    memory: { stoppedOnRequest: false, unhealthyRestarts: { count: 1, at: ago(5_000) } },
    now: NOW,
    expected: [],
  },
  {
    name: 'after 10 s of back-off the second restart comes',
    desired: checked(),
    observed: observed([unhealthy]),
    memory: { stoppedOnRequest: false, unhealthyRestarts: { count: 1, at: ago(10_000) } },
    now: NOW,
    expected: ['Restart aaaaaaaaaaaa (unhealthy: its healthcheck failed: ping: bad address)'],
  },
  {
    name: 'the back-off doubles: 30 s after the third restart is still too early',
    desired: checked(),
    observed: observed([unhealthy]),
    memory: { stoppedOnRequest: false, unhealthyRestarts: { count: 3, at: ago(30_000) } },
    now: NOW,
    expected: [],
  },
  {
    name: 'ten minutes after the last unhealthy restart the back-off starts over',
    desired: checked(),
    observed: observed([unhealthy]),
    memory: { stoppedOnRequest: false, unhealthyRestarts: { count: 9, at: ago(600_000) } },
    now: NOW,
    expected: ['Restart aaaaaaaaaaaa (unhealthy: its healthcheck failed: ping: bad address)'],
  },
  {
    name: 'onUnhealthy Stop stops the container',
    desired: checked('Stop'),
    observed: observed([
      { ...unhealthy, labels: { ...unhealthy.labels, 'nativecontainer.io/config-hash': checked('Stop').hash } },
    ]),
    now: NOW,
    expected: ['Stop aaaaaaaaaaaa (unhealthy, onUnhealthy is Stop: its healthcheck failed: ping: bad address)'],
  },
  {
    name: 'onUnhealthy None leaves it running',
    desired: checked('None'),
    observed: observed([
      { ...unhealthy, labels: { ...unhealthy.labels, 'nativecontainer.io/config-hash': checked('None').hash } },
    ]),
    now: NOW,
    expected: [],
  },
  {
    name: 'a container stopped for failing its healthcheck stays stopped under restartPolicy Always',
    desired: checked(),
    observed: observed([one('exited', { hash: HC })]),
    memory: { stoppedOnRequest: false, stoppedUnhealthy: ID },
    now: NOW,
    expected: [],
  },
  {
    name: 'a restart request starts a container stopped for failing its healthcheck',
    desired: desired({ healthcheck: { command: ['true'] }, restartRequest: 'now' }),
    observed: observed([
      one('exited', { hash: desired({ healthcheck: { command: ['true'] }, restartRequest: 'now' }).hash }),
    ]),
    memory: { stoppedOnRequest: false, stoppedUnhealthy: ID },
    now: NOW,
    expected: ['Start aaaaaaaaaaaa (restart requested)'],
  },
  {
    name: 'a healthy container needs nothing',
    desired: checked(),
    observed: observed([{ ...unhealthy, health: 'healthy' }]),
    now: NOW,
    expected: [],
  },
];

// Updates: spec.imageUpdate Apply runs the tag's latest digest; a rollback runs the previous one.
const APP = '127.0.0.1:5000/team/app';
const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);
const withStatus = (spec: Partial<NativeContainerSpec>, status: NativeContainerStatus): Desired =>
  desiredContainer({ ...nativeContainer(spec), status });
const applySpec: Partial<NativeContainerSpec> = { image: `${APP}:1`, imageUpdate: { policy: 'Apply' } };
const AH = withStatus(applySpec, {}).hash;
const onD1 = one('running', { hash: AH, image: `${APP}:1`, imageDigest: `${APP}@${D1}` });

export const update: Case[] = [
  {
    name: 'Apply: the tag moved in the registry, so the new digest is pulled and the container rebuilt onto it',
    desired: withStatus(applySpec, { latestDigest: `${APP}:1@${D2}` }),
    observed: observed([onD1], { imagePresent: false }),
    expected: [
      `Pull ${APP}@${D2} (image not present)`,
      `Create nc_team-a_web_next (rebuild: update: ${APP}:1 is now ${D2})`,
      `Stop aaaaaaaaaaaa (rebuild: update: ${APP}:1 is now ${D2})`,
      `Remove aaaaaaaaaaaa (rebuild: update: ${APP}:1 is now ${D2})`,
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'Apply: a container already on the latest digest needs nothing, whatever reference created it',
    desired: withStatus(applySpec, { latestDigest: `${APP}:1@${D1}` }),
    observed: observed([onD1]),
    expected: [],
  },
  {
    name: 'a rollback in force runs the previous digest again',
    desired: withStatus(applySpec, {
      latestDigest: `${APP}:1@${D2}`,
      rollback: {
        from: `${APP}@${D2}`,
        to: `${APP}@${D1}`,
        at: NOW.toISOString(),
        message: 'bad',
        specImage: `${APP}:1`,
      },
    }),
    observed: observed([one('running', { hash: AH, image: `${APP}@${D2}`, imageDigest: `${APP}@${D2}` })], {
      imagePresent: false,
    }),
    expected: [
      `Pull ${APP}@${D1} (image not present)`,
      `Create nc_team-a_web_next (rebuild: rolled back from ${D2})`,
      `Stop aaaaaaaaaaaa (rebuild: rolled back from ${D2})`,
      `Remove aaaaaaaaaaaa (rebuild: rolled back from ${D2})`,
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a container pinned to a digest by an update goes back to the tag when nothing pins it any more',
    desired: withStatus({ image: `${APP}:1`, imageUpdate: { policy: 'Notify' } }, {}),
    observed: observed([
      one('running', {
        hash: withStatus({ image: `${APP}:1`, imageUpdate: { policy: 'Notify' } }, {}).hash,
        image: `${APP}@${D1}`,
        imageDigest: `${APP}@${D1}`,
      }),
    ]),
    expected: [
      `Create nc_team-a_web_next (rebuild: back to ${APP}:1 (no update or rollback pins a digest))`,
      `Stop aaaaaaaaaaaa (rebuild: back to ${APP}:1 (no update or rollback pins a digest))`,
      `Remove aaaaaaaaaaaa (rebuild: back to ${APP}:1 (no update or rollback pins a digest))`,
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
      'Start new container (desired state is Running)',
    ],
  },
  {
    name: 'a Stopped container moved to a new digest stays stopped',
    desired: withStatus({ ...applySpec, state: 'Stopped' }, { latestDigest: `${APP}:1@${D2}` }),
    observed: observed(
      [
        {
          ...onD1,
          state: 'exited',
          labels: {
            ...onD1.labels,
            'nativecontainer.io/config-hash': withStatus({ ...applySpec, state: 'Stopped' }, {}).hash,
          },
        },
      ],
      {
        imagePresent: false,
      },
    ),
    expected: [
      `Pull ${APP}@${D2} (image not present)`,
      `Create nc_team-a_web_next (rebuild: update: ${APP}:1 is now ${D2})`,
      `Remove aaaaaaaaaaaa (rebuild: update: ${APP}:1 is now ${D2})`,
      'Rename new container to nc_team-a_web (rebuilt container takes the name)',
    ],
  },
];
