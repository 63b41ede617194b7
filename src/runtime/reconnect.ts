// Runs a streaming subscription forever: when it ends or fails, it is opened again after an
// exponential backoff with jitter, until the signal aborts. Used for event streams whose
// silence or loss would otherwise go unnoticed.
import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { abortableDelay } from './informer.ts';

export interface ReconnectOptions {
  name: string;
  log: Logger;
  signal: AbortSignal;
  backoff?: BackoffOptions;
  /** Called each time the stream is opened; `first` is false for reconnects. */
  onConnect?: (first: boolean) => void;
}

/** `open` must resolve or reject when the stream ends; `connected` is called once it is established. */
export async function runForever(
  open: (signal: AbortSignal, connected: () => void) => Promise<void>,
  o: ReconnectOptions,
): Promise<void> {
  const backoff = o.backoff ?? { baseMs: 250, maxMs: 30_000, jitter: 0.2 };
  let failures = 0;
  let first = true;
  while (!o.signal.aborted) {
    try {
      await open(o.signal, () => {
        failures = 0;
        o.onConnect?.(first);
        first = false;
      });
      if (!o.signal.aborted) o.log.info({ stream: o.name }, 'stream ended; reopening');
    } catch (err) {
      if (o.signal.aborted) break;
      failures += 1;
      o.log.warn({ stream: o.name, err: String(err), failures }, 'stream failed; reopening after backoff');
    }
    await abortableDelay(backoffDelay(failures, backoff), o.signal);
  }
}
