// vitest global setup of the e2e tier: a real Docker daemon, etcd and kube-apiserver, the CRDs
// installed, and the test image built. Started once per run and stopped by PID afterwards.
import type { TestProject } from 'vitest/node';
import { buildTestImage, ensureDocker } from '../../src/local/docker.ts';
import { startControlPlane } from '../../src/local/control-plane.ts';
import { installCrds } from '../../src/local/crds.ts';
import { stopAll } from '../../src/local/processes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    dockerHost: string;
    dockerStartedByUs: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const docker = await ensureDocker();
    await buildTestImage(docker);
    const cp = await startControlPlane({ name: 'e2e' });
    await installCrds(cp);
    project.provide('kubeconfig', cp.kubeconfigPath);
    project.provide('dockerHost', docker.host);
    project.provide('dockerStartedByUs', docker.started);
    return async () => {
      await cp.stop();
      await docker.stop();
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
