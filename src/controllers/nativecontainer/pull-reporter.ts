// Progress of a long pull, throttled: at most one status write and one log line per interval,
// whatever rate Docker reports layers at.
import type { Logger } from 'pino';
import type { PullProgress } from '../../backend/container-backend.ts';
import { errorMessage } from '../../runtime/errors.ts';

export class PullReporter {
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly write: (message: string) => Promise<void>;
  // The first report is written at once.
  private last = Number.NEGATIVE_INFINITY;
  private chain: Promise<void> = Promise.resolve();

  constructor(options: {
    intervalMs: number;
    now: () => Date;
    log: Logger;
    write: (message: string) => Promise<void>;
  }) {
    this.intervalMs = options.intervalMs;
    this.now = options.now;
    this.log = options.log;
    this.write = options.write;
  }

  report(image: string, p: PullProgress): void {
    const t = this.now().getTime();
    if (t - this.last < this.intervalMs) return;
    this.last = t;
    const message = describePull(image, p);
    this.log.info({ image, current: p.current, total: p.total }, message);
    // Status writes are serialized; a failed one is only logged, the pull goes on.
    this.chain = this.chain
      .then(() => this.write(message))
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'could not write pull progress'));
  }

  /** Waits for the progress writes still under way. */
  async flush(): Promise<void> {
    await this.chain;
  }
}

export function describePull(image: string, p: PullProgress): string {
  if (p.current === undefined || !p.total) return `Pulling ${image}: ${p.status || 'waiting'}.`;
  const mb = (n: number): string => (n / 1_000_000).toFixed(1);
  const percent = Math.floor((100 * p.current) / p.total);
  return `Pulling ${image}: ${mb(p.current)} of ${mb(p.total)} MB (${percent}%).`;
}
