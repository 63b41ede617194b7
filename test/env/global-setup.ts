// vitest global setup of the e2e tier: a real Docker daemon, etcd, kube-apiserver and
// kube-controller-manager, the CRDs installed, and the test image built. Started once per run and
// stopped by PID afterwards; every teardown step runs even when another fails.
import type { TestProject } from 'vitest/node';
import { runAll } from '../../src/local/cleanup.ts';
import { buildTestImage, ensureDocker } from '../../src/local/docker.ts';
import { startControlPlane } from '../../src/local/control-plane.ts';
import { installCrds } from '../../src/local/crds.ts';
import { stopAll, stopAllOnSignals } from '../../src/local/processes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    dockerHost: string;
    dockerStartedByUs: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Our children have process groups of their own: an interrupted run must stop them itself.
  stopAllOnSignals();
  try {
    const docker = await ensureDocker();
    await buildTestImage(docker);
    const cp = await startControlPlane({ name: 'e2e' });
    await installCrds(cp);
    project.provide('kubeconfig', cp.kubeconfigPath);
    project.provide('dockerHost', docker.host);
    project.provide('dockerStartedByUs', docker.started);
    return () => runAll([() => cp.stop(), () => docker.stop(), () => stopAll()]);
  } catch (err) {
    await stopAll();
    throw err;
  }
}
