// The subresource API end to end: the operator's aggregated API server behind the real
// kube-apiserver's aggregation layer (front-proxy certificates, delegated authentication and
// authorization), reached at an address in a network namespace, driven through the kubectl-nc
// plugin and `kubectl get --raw` against a real dockerd and registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpAggregation, type Aggregation } from '../../src/local/aggregation.ts';
import { freePort, type ProcessHandle } from '../../src/local/processes.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { cleanupSteps, removeContainers } from './cleanup.ts';
import { kubectlApply, sleeper, waitForReason } from './helpers.ts';
import { createNamespace, docker, env, kubectl, startOperator } from './support.ts';

const API = '/apis/subresources.nativecontainer.io/v1alpha1';

describe('the subresource API through the aggregation layer', () => {
  let ns: string;
  let agg: Aggregation;
  let operator: ProcessHandle;

  const raw = (name: string, sub: string, query = '') =>
    kubectl(['get', '--raw', `${API}/namespaces/${ns}/nativecontainers/${name}/${sub}${query}`]);

  beforeAll(async () => {
    ns = await createNamespace('sub');
    agg = await setUpAggregation({ kubeconfigPath: env().kubeconfig }, ns);
    const port = await freePort();
    operator = startOperator('subresources', {
      NCO_TLS_CERT_FILE: agg.certFile,
      NCO_TLS_KEY_FILE: agg.keyFile,
      NCO_SUBRESOURCE_BIND_ADDRESS: agg.bindAddress,
      NCO_SUBRESOURCE_PORT: String(port),
      NCO_WATCH_NAMESPACES: ns,
    });
    await agg.register([port]);
    await kubectlApply(
      ns,
      sleeper('talker', {
        command: ['/bin/sh', '-c', 'i=0; while true; do i=$((i+1)); echo out $i; echo err $i >&2; sleep 0.2; done'],
      }),
    );
    await waitForReason(['-n', ns, 'nc', 'talker'], 'Ready', 'Running', operator);
  });

  afterAll(async () => {
    await cleanupSteps([
      () => agg?.remove(),
      () => kubectl(['delete', 'nc', '--all', '-n', ns, '--timeout=60s'], { allowFail: true }),
      () => operator?.stop(),
      () => removeContainers(docker(), [`${LABELS.ownerNamespace}=${ns}`]),
    ]);
  });

  it('serves the log of a container with tailLines through kubectl get --raw', async () => {
    const out = (await raw('talker', 'log', '?tailLines=3')).stdout;
    expect(out.trim().split('\n')).toHaveLength(3);
    expect(out).toMatch(/out \d+|err \d+/);
  });
});
