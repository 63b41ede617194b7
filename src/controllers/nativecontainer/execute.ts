// The executor: carries out a plan against the backend, in order. It makes no decisions;
// it only reports each step so the reconciler can log it and record an Event.
import type { ContainerBackend, PullProgress } from '../../backend/container-backend.ts';
import type { Desired } from './desired.ts';
import type { Operation, Target } from './plan.ts';

export interface ExecuteHooks {
  onStep: (op: Operation) => Promise<void>;
  onPullProgress: (image: string, progress: PullProgress) => void;
}

export interface ExecuteOptions {
  backend: ContainerBackend;
  desired: Desired;
  stopTimeoutSeconds: number;
  hooks: ExecuteHooks;
}

export async function execute(ops: readonly Operation[], options: ExecuteOptions): Promise<void> {
  const { backend, desired, hooks } = options;
  let createdId: string | undefined;
  const id = (target: Target): string => {
    if (target !== 'created') return target.id;
    if (!createdId) throw new Error('plan starts a new container before creating it');
    return createdId;
  };
  for (const op of ops) {
    await hooks.onStep(op);
    switch (op.type) {
      case 'Pull':
        await backend.pull(op.image, (p) => hooks.onPullProgress(op.image, p));
        break;
      case 'Create':
        createdId = await backend.create(desired.config);
        break;
      case 'Start':
        await backend.start(id(op.target));
        break;
      case 'Stop':
        await backend.stop(id(op.target), options.stopTimeoutSeconds);
        break;
      case 'Remove':
        await backend.remove(id(op.target));
        break;
    }
  }
}
