// The planner's golden rows: for each transition, the printed plan. Every row is a sentence.
// test/unit/plan.test.ts compares each printed plan; test/unit/plan-converges.test.ts applies each
// plan to the in-memory engine and checks that the next plan is empty.
import type { NativeContainerSpec } from '../../src/api/native-container.ts';
import type { ObservedContainer } from '../../src/backend/container-backend.ts';
import { desiredContainer, type Desired } from '../../src/controllers/nativecontainer/desired.ts';
import type { Memory, Observed } from '../../src/controllers/nativecontainer/plan.ts';
import { container, nativeContainer, type ContainerExtra } from './fixtures.ts';

const desired = (spec: Partial<NativeContainerSpec> = {}): Desired => desiredContainer(nativeContainer(spec));
export const H = desired().hash;
const ID = 'aaaaaaaaaaaa1';
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
