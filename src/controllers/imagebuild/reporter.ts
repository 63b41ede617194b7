// Writes the status of one build as it goes: each phase at once, progress at most once per
// interval, all writes in order (one chain), each only when the status changed.
import type { ImageBuild, ImageBuildStatus } from '../../api/image-build.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';
import { computeBuildStatus, type BuildState } from './status.ts';

export interface ReporterOptions {
  client: KubeClient;
  path: string;
  ib: ImageBuild;
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

  constructor(o: ReporterOptions) {
    this.o = o;
    this.current = o.ib.status;
  }

  /** Writes the state (after any write in flight). */
  readonly report = (state: BuildState): Promise<void> => {
    const next = this.chain.then(() => this.write(state));
    this.chain = next.catch(() => undefined);
    return next;
  };

  /** Writes the state without waiting for it (in order with every other write); a failure is only logged. */
  readonly announce = (state: BuildState): void => {
    this.report(state).catch(this.o.onError);
  };

  /** Writes progress unless one was written within the interval; a failed write is only logged. */
  readonly progress = (state: BuildState): void => {
    const at = this.o.now().getTime();
    if (at - this.lastProgress < this.o.intervalMs) return;
    this.lastProgress = at;
    this.report(state).catch(this.o.onError);
  };

  private async write(state: BuildState): Promise<void> {
    const status = computeBuildStatus({ ...this.o.ib, status: this.current }, state, this.o.now());
    const written = await writeStatus<ImageBuild>(this.o.client, this.o.path, this.current, status);
    this.current = status;
    if (written) this.o.onWritten(written);
  }
}
