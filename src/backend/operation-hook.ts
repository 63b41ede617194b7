// Wraps a backend so every call reports its name and outcome (for the Docker operations metric),
// without the backend knowing about metrics.
import type { ContainerBackend } from './container-backend.ts';

export type OperationHook = (operation: string, result: 'success' | 'error') => void;

const STREAMS = new Set(['events']);
/** Answered from what the backend already knows (its engine is asked once): not an operation. */
const QUESTIONS = new Set(['engineKind']);

export function withOperationHook(backend: ContainerBackend, hook: OperationHook): ContainerBackend {
  return new Proxy(backend, {
    get(target, prop, receiver): unknown {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      // Bound to the backend itself: called on the proxy, a stream's own calls to the backend's
      // helpers would be wrapped too, and an error it translated would be thrown as a Promise.
      if (STREAMS.has(prop) || QUESTIONS.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]): Promise<unknown> => {
        try {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          hook(prop, 'success');
          return result;
        } catch (err) {
          hook(prop, 'error');
          throw err;
        }
      };
    },
  });
}
