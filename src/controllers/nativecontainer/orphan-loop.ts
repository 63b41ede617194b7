// Runs orphan collection when leadership starts, every interval, and soon after a trigger
// (a Docker event from a container whose resource is unknown).
import type { Logger } from 'pino';
import type { ContainerBackend } from '../../backend/container-backend.ts';
import { abortableDelay } from '../../runtime/informer.ts';
import { collectOrphans, type OrphanPass, type OrphanScope } from './orphans.ts';

export interface OrphanLoopOptions {
  backend: ContainerBackend;
  scope: OrphanScope;
  log: Logger;
  intervalMs: number;
  signal: AbortSignal;
  stopTimeoutSeconds?: number;
  onPass?: (pass: OrphanPass) => void;
}

export class OrphanLoop {
  private readonly o: OrphanLoopOptions;
  private pending = false;
  private wake: (() => void) | undefined;

  constructor(options: OrphanLoopOptions) {
    this.o = options;
  }

  trigger(): void {
    this.pending = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    while (!this.o.signal.aborted) {
      this.pending = false;
      await this.pass();
      if (this.pending) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void abortableDelay(this.o.intervalMs, this.o.signal).then(resolve);
      });
      this.wake = undefined;
    }
  }

  private async pass(): Promise<void> {
    try {
      this.o.onPass?.(await collectOrphans(this.o.backend, this.o.scope, this.o.log, this.o.stopTimeoutSeconds ?? 10));
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'orphan collection failed; retrying at the next pass');
    }
  }
}
