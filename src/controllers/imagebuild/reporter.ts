// Writes the status of one build as it goes: each phase at once, progress at most once per
// interval (the newest state is written when the interval is over, so a long step shows), all
// writes in order (one chain), each only when the status changed.
import type { ImageBuild, ImageBuildStatus } from '../../api/image-build.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';
import { computeBuildStatus, type BuildState } from './status.ts';

export interface ReporterOptions {
  client: KubeClient;
  path: string;
  ib: ImageBuild;
  /** Recorded with every write (see inputsVersion). */
  inputsVersion: string;
  now: () => Date;
  intervalMs: number;
  onError: (err: unknown) => void;
  /** The object as the API server returned it after a write. */
  onWritten: (obj: ImageBuild) => void;
}

export class StatusReporter {
  private readonly o: ReporterOptions;
  private current: ImageBuildStatus | undefined;
  private chain: Promise<void> = Promise.resolve();
  private lastProgress = 0;
  private pending: BuildState | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(o: ReporterOptions) {
    this.o = o;
    this.current = o.ib.status;
  }

  /** Writes the state (after any write in flight); progress not yet written is dropped. */
  readonly report = (state: BuildState): Promise<void> => {
    this.stop();
    const next = this.chain.then(() => this.write(state));
    this.chain = next.catch(() => undefined);
    return next;
  };

  /** Writes the state without waiting for it (in order with every other write); a failure is only logged. */
  readonly announce = (state: BuildState): void => {
    this.report(state).catch(this.o.onError);
  };

  /** Writes progress at most once per interval, the newest at the end of it; a failure is only logged. */
  readonly progress = (state: BuildState): void => {
    const wait = this.lastProgress + this.o.intervalMs - this.o.now().getTime();
    if (wait <= 0) return this.flush(state);
    this.pending = state;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.pending) this.flush(this.pending);
    }, wait);
  };

  /** Drops progress not yet written; the build is over (or another write replaces it). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private flush(state: BuildState): void {
    this.pending = undefined;
    this.lastProgress = this.o.now().getTime();
    const next = this.chain.then(() => this.write(state));
    this.chain = next.catch(() => undefined);
    next.catch(this.o.onError);
  }

  private async write(state: BuildState): Promise<void> {
    const status = computeBuildStatus(
      { ...this.o.ib, status: this.current },
      state,
      this.o.now(),
      this.o.inputsVersion,
    );
    const written = await writeStatus<ImageBuild>(this.o.client, this.o.path, this.current, status);
    this.current = status;
    if (written) this.o.onWritten(written);
  }
}
