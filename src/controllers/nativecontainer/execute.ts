// The executor: carries out a plan against the backend, in order. It makes no decisions;
// it only reports each step so the reconciler can log it and record an Event.
import type { ContainerBackend, PullProgress, RegistryAuth } from '../../backend/container-backend.ts';
import type { Desired } from './desired.ts';
import type { Operation, Target } from './plan.ts';

export interface ExecuteHooks {
  onStep: (op: Operation) => Promise<void>;
  onPullProgress: (image: string, progress: PullProgress) => void;
}

export interface ExecuteOptions {
  backend: ContainerBackend;
  desired: Desired;
  /** Credentials for pulls; never logged. */
  auth?: RegistryAuth;
  hooks: ExecuteHooks;
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

export async function execute(ops: readonly Operation[], options: ExecuteOptions): Promise<void> {
  const { hooks } = options;
  const state = { createdId: undefined as string | undefined };
  for (const op of ops) {
    await hooks.onStep(op);
    await step(op, options, state);
  }
}

async function step(op: Operation, options: ExecuteOptions, state: { createdId: string | undefined }): Promise<void> {
  const { backend, desired } = options;
  switch (op.type) {
    case 'Blocked':
      throw new BlockedError(op.reason, op.cause);
    case 'Pull':
      return backend.pull(op.image, (p) => options.hooks.onPullProgress(op.image, p), options.auth);
    case 'CreateVolume':
      return backend.createVolume(op.volume, op.labels);
    case 'Create':
      state.createdId = await backend.create({ ...desired.config, name: op.name });
      return;
    case 'RemoveVolume':
      return backend.removeVolume(op.volume);
    default:
      return onContainer(op, options, idOf(op.target, state.createdId));
  }
}

type ContainerStep = Extract<Operation, { target: Target }>;

async function onContainer(op: ContainerStep, { backend, desired }: ExecuteOptions, id: string): Promise<void> {
  const timeout = desired.stopTimeoutSeconds;
  const steps: Record<ContainerStep['type'], () => Promise<void>> = {
    Start: () => backend.start(id),
    Stop: () => backend.stop(id, timeout),
    Restart: () => backend.restart(id, timeout),
    Pause: () => backend.pause(id),
    Unpause: () => backend.unpause(id),
    Update: () => backend.update(id, (op as Extract<Operation, { type: 'Update' }>).update),
    Rename: () => backend.rename(id, (op as Extract<Operation, { type: 'Rename' }>).name),
    Remove: () => backend.remove(id),
  };
  await steps[op.type]();
}

function idOf(target: Target, createdId: string | undefined): string {
  if (target !== 'created') return target.id;
  if (!createdId) throw new Error('plan acts on a new container before creating it');
  return createdId;
}
