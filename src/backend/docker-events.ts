// The engine's event stream, the reflector's source of changes: a container that dies, is removed
// or is paused by hand, or an image that is pulled or deleted, is known within moments.
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import type { EngineEvent } from './container-backend.ts';

interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/**
 * Streams container, image and volume events until the engine closes the stream (resolves), it fails
 * (rejects), or the signal aborts (resolves). No label filter: it would drop image events, and
 * the reflector filters containers itself.
 */
export async function streamEngineEvents(
  docker: Docker,
  onEvent: (e: EngineEvent) => void,
  signal: AbortSignal,
  connected: () => void,
): Promise<void> {
  const filters = { type: ['container' as const, 'image' as const, 'volume' as const, 'network' as const] };
  const stream: NodeJS.ReadableStream & { destroy?: () => void } = await docker.getEvents({
    filters,
    abortSignal: signal,
  });
  connected();
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      const event = parseEvent(line);
      if (event) onEvent(event);
    });
    // A destroyed stream emits close but never end, so readline alone would not finish.
    lines.on('close', () => resolve());
    stream.on('close', () => resolve());
    const failed = (err: Error): void => (signal.aborted ? resolve() : reject(err));
    // readline re-emits errors of its input (Node >= 25): both must be handled.
    lines.on('error', failed);
    stream.on('error', failed);
    const abort = (): void => {
      stream.destroy?.();
      resolve();
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

const EVENT_TYPES = new Set(['container', 'image', 'volume', 'network']);

export function parseEvent(line: string): EngineEvent | undefined {
  const raw = parseJson(line);
  if (!raw || !EVENT_TYPES.has(raw.Type ?? '') || !raw.Action || !raw.Actor?.ID) return undefined;
  const { action, detail } = splitAction(raw.Action);
  // timeNano overflows a double's integer precision; milliseconds with a fraction do not.
  const timeMs = raw.timeNano !== undefined ? raw.timeNano / 1e6 : (raw.time ?? 0) * 1000;
  return {
    type: raw.Type as EngineEvent['type'],
    action,
    ...(detail !== undefined ? { detail } : {}),
    id: raw.Actor.ID,
    attributes: raw.Actor.Attributes ?? {},
    timeMs,
  };
}

/** "health_status: healthy" and "exec_start: sh -c ..." carry a detail after the colon. */
function splitAction(full: string): { action: string; detail?: string } {
  const colon = full.indexOf(':');
  if (colon < 0) return { action: full.trim() };
  return { action: full.slice(0, colon).trim(), detail: full.slice(colon + 1).trim() };
}

function parseJson(line: string): RawEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    return JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
}
