// The executor: carries out a plan against the host's backend, in order. It makes no decisions.
//
// Guarantees: each step is announced (log, Event) before it runs; nothing runs after the signal
// aborts (lost leadership, shutdown) except the step already sent; the containers it touches are
// held in the host's reflector while the plan runs and released at the end, whatever happened,
// so the cache is refreshed once per container instead of once per event, and `touched` tells
// the caller which containers the cache must catch up on before the next plan.
import {
  EngineUnavailableError,
  InvalidConfigError,
  type ContainerBackend,
  type PullProgress,
  type RegistryAuth,
} from '../../backend/container-backend.ts';
import type { Reflector } from '../../backend/reflector.ts';
import type { Desired } from './desired.ts';
import { MANAGED_SELECTOR } from './identity.ts';
import type { Operation, Target } from './plan.ts';

export interface ExecuteHooks {
  onStep: (op: Operation) => void;
  onPullProgress: (image: string, progress: PullProgress) => void;
}

export interface ExecuteOptions {
  backend: ContainerBackend;
  reflector: Reflector;
  desired: Pick<Desired, 'config' | 'stopTimeoutSeconds'>;
  /** Credentials for pulls; never logged. */
  auth?: RegistryAuth;
  hooks: ExecuteHooks;
  signal?: AbortSignal;
  /** Filled in as the plan runs, so a caller whose plan failed part-way still knows what it touched. */
  executed?: Executed;
}

/** What a run of the executor did to containers. */
export interface Executed {
  /** Containers changed (and not removed): the cache must refresh them before the next plan. */
  touched: string[];
  removed: string[];
}

/** A Blocked operation was reached: nothing after it can be done. */
export class BlockedError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'BlockedError';
    this.reason = reason;
  }
}

/**
 * Docker refused to start a container it created (its program cannot be run, for one): the
 * reconciler remembers the container in status.startRefused and does not start it again, for
 * each failed start is a Docker event that would bring the resource straight back.
 */
export class StartRefusedError extends InvalidConfigError {
  readonly containerId: string;
  constructor(containerId: string, message: string) {
    super(message);
    this.name = 'StartRefusedError';
    this.containerId = containerId;
  }
}

/** The plan was cut short because the controller is stopping. */
export class AbortedError extends Error {
  constructor() {
    super('stopped before the plan was finished');
    this.name = 'AbortedError';
  }
}

interface RunState {
  createdId: string | undefined;
  held: Set<string>;
  removed: Set<string>;
}

export async function execute(ops: readonly Operation[], options: ExecuteOptions): Promise<Executed> {
  const state: RunState = { createdId: undefined, held: new Set(), removed: new Set() };
  const executed = options.executed ?? { touched: [], removed: [] };
  let failed = false;
  try {
    for (const op of ops) {
      if (options.signal?.aborted) throw new AbortedError();
      options.hooks.onStep(op);
      await step(op, options, state);
    }
  } catch (err) {
    failed = true;
    // A start refused by an engine that is shutting down must not be tried again until the
    // reflector has asked the engine on a new connection and, without an answer, waits for it.
    if (err instanceof EngineUnavailableError) void options.reflector.engineFailed();
    throw err;
  } finally {
    // After a failure, only a container that changed runs the plan again at once; otherwise the
    // resource waits for its back-off (an engine that refuses an update would be asked non-stop).
    for (const id of state.held) if (!state.removed.has(id)) options.reflector.release(id, !failed);
    executed.touched = [...state.held].filter((id) => !state.removed.has(id));
    executed.removed = [...state.removed];
  }
  return executed;
}

async function step(op: Operation, options: ExecuteOptions, state: RunState): Promise<void> {
  const { backend, desired } = options;
  switch (op.type) {
    case 'Blocked':
      throw new BlockedError(op.reason, op.cause);
    case 'Pull':
      return backend.pull(op.image, (p) => options.hooks.onPullProgress(op.image, p), options.auth);
    case 'CreateVolume':
      await backend.createVolume(op.volume, op.labels);
      return options.reflector.volumeCreated({ name: op.volume, labels: op.labels });
    case 'RemoveVolume':
      await backend.removeVolume(op.volume);
      return options.reflector.volumeRemoved(op.volume);
    case 'CreateNetwork':
      return backend.createNetwork(op.network, { internal: op.internal }, MANAGED_SELECTOR);
    case 'RemoveNetwork':
      return backend.removeNetwork(op.network, MANAGED_SELECTOR);
    case 'Create': {
      const id = await backend.create({ ...desired.config, name: op.name });
      state.createdId = id;
      hold(options.reflector, state, id);
      return;
    }
    default:
      return onContainer(op, options, state);
  }
}

type ContainerStep = Extract<Operation, { target: Target }>;

async function onContainer(op: ContainerStep, options: ExecuteOptions, state: RunState): Promise<void> {
  const { backend, desired, reflector } = options;
  const id = idOf(op.target, state.createdId);
  hold(reflector, state, id);
  const timeout = desired.stopTimeoutSeconds;
  switch (op.type) {
    case 'Start':
      return backend.start(id).catch((err: unknown) => {
        throw err instanceof InvalidConfigError ? new StartRefusedError(id, err.message) : err;
      });
    case 'Stop':
      return backend.stop(id, timeout);
    case 'Restart':
      return backend.restart(id, timeout);
    case 'Pause':
      return backend.pause(id);
    case 'Unpause':
      return backend.unpause(id);
    case 'Update':
      return backend.update(id, op.update);
    case 'Rename':
      return backend.rename(id, op.name);
    case 'Connect':
      return backend.connect(id, op.network, op.aliases);
    case 'Disconnect':
      return backend.disconnect(id, op.network);
    case 'Remove':
      await backend.remove(id);
      state.removed.add(id);
      reflector.forget(id);
      return;
  }
}

function hold(reflector: Reflector, state: RunState, id: string): void {
  if (state.held.has(id)) return;
  state.held.add(id);
  reflector.hold(id);
}

function idOf(target: Target, createdId: string | undefined): string {
  if (target !== 'created') return target.id;
  if (!createdId) throw new Error('plan acts on a new container before creating it');
  return createdId;
}
