// Docker as a second source of work: container events become keys of the owning resource,
// and a reconnect after a Docker outage re-queues every resource, because events that
// happened while the stream was down are lost.
import type { Logger } from 'pino';
import type { ContainerBackend, ContainerEvent } from '../../backend/container-backend.ts';
import { LABELS, MANAGED_BY } from '../../backend/labels.ts';
import { runForever } from '../../runtime/reconnect.ts';
import { ownerKey } from './orphans.ts';

/** The actions that can mean a container no longer matches its spec. */
export const WATCHED_ACTIONS = new Set([
  'create',
  'start',
  'die',
  'stop',
  'kill',
  'oom',
  'destroy',
  'pause',
  'unpause',
  'health_status',
  'rename',
  'update',
]);

/**
 * How long to wait before reconciling after an event. An exit may come from a Docker daemon
 * shutting down, and a start racing that shutdown can leave a stale task behind; a second's
 * pause mostly finds the daemon gone instead. Anything else is looked at at once.
 */
export function requeueDelayMs(action: string): number {
  return EXIT_ACTIONS.has(action) ? 1000 : 0;
}

const EXIT_ACTIONS = new Set(['die', 'stop', 'kill', 'oom']);

export interface DockerSourceOptions {
  backend: ContainerBackend;
  log: Logger;
  signal: AbortSignal;
  /** A managed container of this resource had an event. */
  onOwnerEvent: (key: string, event: ContainerEvent) => void;
  /** The stream (re)opened after the first time: look at everything again. */
  onReconnect: () => void;
  onConnect?: () => void;
}

export function watchDockerEvents(o: DockerSourceOptions): Promise<void> {
  return runForever(
    (signal, connected) =>
      o.backend.events(
        { [LABELS.managedBy]: MANAGED_BY },
        (event) => {
          const key = ownerKey(event.attributes);
          if (key && WATCHED_ACTIONS.has(event.action)) o.onOwnerEvent(key, event);
        },
        signal,
        connected,
      ),
    {
      name: 'docker-events',
      log: o.log,
      signal: o.signal,
      onConnect: (first) => {
        o.onConnect?.();
        if (!first) {
          o.log.info('Docker event stream reconnected; re-observing every resource');
          o.onReconnect();
        }
      },
    },
  );
}
