// Builders for unit tests: resources and observed containers with sensible defaults.
import { pino, type Logger } from 'pino';
import type { NativeContainer, NativeContainerSpec } from '../../src/api/native-container.ts';
import type { ContainerBackend, ContainerRunState, ObservedContainer } from '../../src/backend/container-backend.ts';
import { Reflector } from '../../src/backend/reflector.ts';
import { DEFAULT_HOST, LABELS, MANAGED_SELECTOR, ownerKey } from '../../src/controllers/nativecontainer/identity.ts';

export function nativeContainer(
  spec: Partial<NativeContainerSpec> = {},
  meta: Partial<NativeContainer['metadata']> = {},
): NativeContainer {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name: 'web', namespace: 'team-a', uid: 'uid-1', generation: 1, ...meta },
    spec: { image: 'nco-test/busybox:1', ...spec },
  };
}

export interface ContainerExtra extends Partial<Omit<ObservedContainer, 'id' | 'state' | 'labels'>> {
  uid?: string;
  labels?: Record<string, string>;
}

export function container(
  id: string,
  state: ContainerRunState,
  hash: string,
  extra: ContainerExtra = {},
): ObservedContainer {
  const { uid, labels, ...rest } = extra;
  return {
    id,
    name: 'nc_team-a_web',
    image: 'nco-test/busybox:1',
    imageId: 'sha256:abc',
    state,
    labels: { [LABELS.ownerUid]: uid ?? 'uid-1', [LABELS.configHash]: hash, ...labels },
    restartPolicy: { name: 'always', maximumRetryCount: 0 },
    resources: {},
    ...rest,
  };
}

/** A logger that writes nothing, for components that want one. */
export function silentLog(): Logger {
  return pino({ level: 'silent' });
}

/** Polls check until it is true, failing after a generous deadline (tiers without processes settle in milliseconds). */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The real reflector over an in-memory engine, synced, running until `signal` aborts. */
export async function syncedReflector(engine: ContainerBackend, signal: AbortSignal): Promise<Reflector> {
  const reflector = new Reflector({
    backend: engine,
    host: DEFAULT_HOST,
    selector: MANAGED_SELECTOR,
    indexKey: ownerKey,
    log: silentLog(),
    reconnectDelay: () => 10,
    delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    debounceMs: 1,
  });
  void reflector.run(signal);
  await until('reflector synced', () => reflector.isAvailable());
  return reflector;
}
