// The informer against the real API server, through a proxy that can make a connection go
// silent: the failure mode behind kubernetes-client/javascript issues 596, 958 and 364.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { Informer } from '../../src/runtime/informer.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { kubeconfigVia, serverPort } from '../env/kubeconfig-via.ts';
import { runDir } from '../../src/local/paths.ts';
import { startTcpProxy, type TcpProxy } from '../env/tcp-proxy.ts';
import { createNamespace, env, eventually, kubectl } from './support.ts';
import { cleanupSteps } from './cleanup.ts';

function manifest(name: string): string {
  return JSON.stringify({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name },
    spec: { image: 'nco-test/busybox:1', state: 'Stopped' },
  });
}

describe('the informer', () => {
  let proxy: TcpProxy;
  let ns: string;
  let informer: Informer<NativeContainer>;
  const seen: string[] = [];

  beforeAll(async () => {
    ns = await createNamespace('informer');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: serverPort(env().kubeconfig) });
    const kubeconfig = kubeconfigVia(env().kubeconfig, proxy.port, join(runDir(`informer-${ns}`), 'kubeconfig'));
    informer = new Informer<NativeContainer>({
      client: KubeClient.fromEnvironment(kubeconfig),
      path: `/apis/nativecontainer.io/v1alpha1/namespaces/${ns}/nativecontainers`,
      log: createLogger('silent'),
      // Short, so the test does not wait minutes; production uses 150 s, above the ~60 s bookmark period.
      idleTimeoutMs: 3_000,
      backoff: { baseMs: 50, maxMs: 500, jitter: 0.2 },
    });
    informer.onChange((key) => seen.push(key));
    informer.start();
    await informer.waitForSync();
  });

  afterAll(async () => {
    await cleanupSteps([() => informer?.stop(), () => proxy?.close()]);
  });

  it('sees objects created after it synced', async () => {
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest('first') });
    await eventually('the informer has first', () => informer.get(`${ns}/first`) !== undefined);
    expect(seen).toContain(`${ns}/first`);
  });

  it('notices a watch that went silent, reconnects and misses nothing', async () => {
    const idleBefore = informer.stats.idleRestarts;
    proxy.freezeExisting();
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest('while-silent') });
    await kubectl(['delete', '-n', ns, 'nc', 'first']);
    await eventually(
      'the informer caught up after the silent watch',
      () => informer.get(`${ns}/while-silent`) !== undefined && informer.get(`${ns}/first`) === undefined,
    );
    expect(informer.stats.idleRestarts).toBeGreaterThan(idleBefore);
  });

  it('reconnects after its connection is cut and keeps applying changes', async () => {
    const watchesBefore = informer.stats.watches;
    proxy.dropAll();
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest('after-cut') });
    await eventually('the informer has after-cut', () => informer.get(`${ns}/after-cut`) !== undefined);
    expect(informer.stats.watches).toBeGreaterThan(watchesBefore);
    expect(informer.keys().sort()).toEqual([`${ns}/after-cut`, `${ns}/while-silent`]);
  });
});
