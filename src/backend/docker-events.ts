// The Docker event stream, as a second source of work next to the Kubernetes watch: a container
// that dies, is removed or is paused by hand must be noticed within moments, not at the next resync.
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import type { ContainerEvent } from './container-backend.ts';

interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

/**
 * Streams container events of containers carrying all the labels until Docker closes the
 * stream (resolves), it fails (rejects), or the signal aborts (resolves).
 */
export async function streamContainerEvents(
  docker: Docker,
  labels: Record<string, string>,
  onEvent: (e: ContainerEvent) => void,
  signal: AbortSignal,
  connected: () => void,
): Promise<void> {
  const filters = { type: ['container' as const], label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
  const stream: NodeJS.ReadableStream & { destroy?: () => void } = await docker.getEvents({
    filters,
    abortSignal: signal,
  });
  connected();
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      const event = parse(line);
      if (event) onEvent(event);
    });
    lines.on('close', () => resolve());
    const failed = (err: Error): void => (signal.aborted ? resolve() : reject(err));
    // readline re-emits errors of its input (Node >= 25); both must be handled.
    lines.on('error', failed);
    stream.on('error', failed);
    signal.addEventListener('abort', () => stream.destroy?.(), { once: true });
  });
}

function parse(line: string): ContainerEvent | undefined {
  if (!line.trim()) return undefined;
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  if (raw.Type !== 'container' || !raw.Action || !raw.Actor?.ID) return undefined;
  // "health_status: healthy" and "exec_start: sh" carry a detail after the colon.
  const action = raw.Action.split(':')[0]!.trim();
  return { action, id: raw.Actor.ID, attributes: raw.Actor.Attributes ?? {} };
}
