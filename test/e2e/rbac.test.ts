// The chart's RBAC is enough and no more: the operator, logged in with a token the API server
// issued to the chart's ServiceAccount, runs the happy path; `kubectl auth can-i` as that same
// identity shows what it cannot do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl as runKubectl } from '../../src/local/kubectl.ts';
import { freePort, type ProcessHandle } from '../../src/local/processes.ts';
import { chartIdentity, type Identity, runHelloThroughItsLife } from './packaging.ts';
import { createNamespace, eventually, kubectl, startOperator } from './support.ts';
import { cleanupSteps } from './cleanup.ts';

const NC = 'nativecontainers.nativecontainer.io';
const GROUP = 'nativecontainer.io';

/** What a SelfSubjectAccessReview asks; `kubectl auth can-i` builds one from its arguments. */
interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

/**
 * Asks the API server whether the identity may do something: `kubectl auth can-i` with its
 * arguments, or for attributes a SelfSubjectAccessReview created as the identity. kubectl cannot
 * name a resource the server does not serve (ContainerSecrets, until their CRD lands): it sends
 * "containersecrets.nativecontainer.io" as the resource with an empty group, which no rule matches.
 */
async function allowed(identity: Identity, check: string[] | Attributes): Promise<boolean> {
  const as = { kubeconfigPath: identity.kubeconfig };
  if (Array.isArray(check)) {
    const res = await runKubectl(as, ['auth', 'can-i', ...check], { allowFail: true });
    return res.stdout.trim() === 'yes';
  }
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: check },
  };
  const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const res = await runKubectl(as, ['create', '--raw', path, '-f', '-'], { input: JSON.stringify(review) });
  return (JSON.parse(res.stdout) as { status: { allowed: boolean } }).status.allowed;
}

describe('the chart RBAC for all namespaces', () => {
  let home: string;
  let work: string;
  let other: string;
  let identity: Identity;
  let operator: ProcessHandle | undefined;

  beforeAll(async () => {
    home = await createNamespace('rbac-home');
    work = await createNamespace('rbac-work');
    other = await createNamespace('rbac-other');
    identity = await chartIdentity('nco-rbac', home);
  });

  afterAll(async () => {
    await cleanupSteps([
      () => operator?.stop(),
      () => kubectl(['delete', '-f', '-', '--ignore-not-found'], { input: identity.manifests }),
    ]);
  });

  it('is enough to run a NativeContainer from apply through Ready to delete', async () => {
    operator = startOperator('rbac', {
      KUBECONFIG: identity.kubeconfig,
      // Leader election, health and metrics as the chart configures them.
      NCO_LEADER_ELECT: 'true',
      POD_NAME: 'nco-rbac-0',
      POD_NAMESPACE: home,
      NCO_HEALTH_PORT: String(await freePort()),
      NCO_METRICS_PORT: String(await freePort()),
    });
    await runHelloThroughItsLife(work, operator);
    // The recorder only logs a refused Event; find the Event to know it was allowed.
    await eventually('the Created Event', async () =>
      (await kubectl(['get', 'events', '-n', work, '--field-selector=involvedObject.name=hello'])).stdout.includes(
        'Created',
      ),
    );
  });

  it.each([
    ['list and watch NativeContainers in every namespace', ['watch', NC, '--all-namespaces']],
    ['patch the status of a NativeContainer', ['patch', NC, '--subresource=status', '-n', 'WORK']],
    ['update the finalizers of a NativeContainer', ['update', NC, '--subresource=finalizers', '-n', 'WORK']],
    ['watch ContainerSecrets', { verb: 'watch', group: GROUP, resource: 'containersecrets' }],
    [
      'update the status of a ContainerSecret',
      { verb: 'update', group: GROUP, resource: 'containersecrets', subresource: 'status', namespace: 'WORK' },
    ],
    ['read a Secret', ['get', 'secrets', '-n', 'WORK']],
    ['read a ConfigMap', ['get', 'configmaps', '-n', 'WORK']],
    ['create an Event', ['create', 'events', '-n', 'WORK']],
    ['take the Lease in its own namespace', ['update', 'leases.coordination.k8s.io', '-n', 'HOME']],
    ['watch NativeContainerPolicies', { verb: 'watch', group: GROUP, resource: 'nativecontainerpolicies' }],
    [
      'write the status of a NativeContainerPolicy',
      { verb: 'patch', group: GROUP, resource: 'nativecontainerpolicies', subresource: 'status' },
    ],
    ['watch namespaces, whose labels select policies', ['watch', 'namespaces']],
    ['create the admission policy', ['create', 'validatingadmissionpolicies.admissionregistration.k8s.io']],
    [
      'update its own admission policy',
      ['update', 'validatingadmissionpolicies.admissionregistration.k8s.io/nativecontainerpolicies.nativecontainer.io'],
    ],
    [
      'update its own admission policy binding',
      [
        'update',
        'validatingadmissionpolicybindings.admissionregistration.k8s.io/nativecontainerpolicies.nativecontainer.io',
      ],
    ],
  ] as [string, string[] | Attributes][])('lets the operator %s', async (_what, check) => {
    expect(await allowed(identity, fill(check))).toBe(true);
  });

  it.each([
    ['create NativeContainers', ['create', NC, '-n', 'WORK']],
    ['delete ContainerSecrets', { verb: 'delete', group: GROUP, resource: 'containersecrets', namespace: 'WORK' }],
    ['delete NativeContainers', ['delete', NC, '-n', 'WORK']],
    ['delete Pods', ['delete', 'pods', '-n', 'WORK']],
    ['read Pods', ['get', 'pods', '-n', 'WORK']],
    ['create or change Secrets', ['update', 'secrets', '-n', 'WORK']],
    ['change ConfigMaps', ['patch', 'configmaps', '-n', 'WORK']],
    ['delete Events', ['delete', 'events', '-n', 'WORK']],
    ['take a Lease outside its own namespace', ['update', 'leases.coordination.k8s.io', '-n', 'OTHER']],
    ['delete its Lease', ['delete', 'leases.coordination.k8s.io', '-n', 'HOME']],
    ['create Deployments', ['create', 'deployments.apps', '-n', 'HOME']],
    ['read Nodes', ['get', 'nodes']],
    ['change its own RBAC', ['update', 'clusterroles.rbac.authorization.k8s.io']],
    ['change CRDs', ['update', 'customresourcedefinitions.apiextensions.k8s.io']],
    ['impersonate users', ['impersonate', 'users']],
    ['change NativeContainerPolicies', { verb: 'update', group: GROUP, resource: 'nativecontainerpolicies' }],
    ['create NativeContainerPolicies', { verb: 'create', group: GROUP, resource: 'nativecontainerpolicies' }],
    ['change namespaces', ['patch', 'namespaces']],
    [
      'change another admission policy',
      ['update', 'validatingadmissionpolicies.admissionregistration.k8s.io/someone-elses'],
    ],
    ['delete admission policies', ['delete', 'validatingadmissionpolicies.admissionregistration.k8s.io']],
    ['change webhooks', ['update', 'validatingwebhookconfigurations.admissionregistration.k8s.io']],
  ] as [string, string[] | Attributes][])('does not let the operator %s', async (_what, check) => {
    expect(await allowed(identity, fill(check))).toBe(false);
  });

  /** The namespaces exist only once beforeAll ran; the tables name them WORK, HOME and OTHER. */
  function fill(check: string[] | Attributes): string[] | Attributes {
    const real = (a: string): string => ({ WORK: work, HOME: home, OTHER: other })[a] ?? a;
    if (Array.isArray(check)) return check.map(real);
    return check.namespace === undefined ? check : { ...check, namespace: real(check.namespace) };
  }
});

describe('the chart RBAC with watchNamespaces', () => {
  let home: string;
  let watched: string;
  let other: string;
  let identity: Identity;

  beforeAll(async () => {
    home = await createNamespace('rbac-scoped-home');
    watched = await createNamespace('rbac-watched');
    other = await createNamespace('rbac-unwatched');
    identity = await chartIdentity('nco-scoped', home, [`--set=watchNamespaces[0]=${watched}`]);
  });

  afterAll(async () => {
    await kubectl(['delete', '-f', '-', '--ignore-not-found'], { input: identity.manifests });
  });

  it('lets the operator read ConfigMaps and Secrets and manage NativeContainers and ContainerSecrets in a watched namespace', async () => {
    expect(await allowed(identity, ['get', 'configmaps', '-n', watched])).toBe(true);
    expect(await allowed(identity, ['watch', 'secrets', '-n', watched])).toBe(true);
    expect(await allowed(identity, ['patch', NC, '--subresource=status', '-n', watched])).toBe(true);
    expect(await allowed(identity, ['create', 'events', '-n', watched])).toBe(true);
    const secrets = { verb: 'list', group: GROUP, resource: 'containersecrets', namespace: watched };
    expect(await allowed(identity, secrets)).toBe(true);
  });

  it('does not let the operator read ConfigMaps or Secrets, or touch NativeContainers, outside its namespaces', async () => {
    expect(await allowed(identity, ['get', 'configmaps', '-n', other])).toBe(false);
    expect(await allowed(identity, ['list', 'configmaps', '--all-namespaces'])).toBe(false);
    expect(await allowed(identity, ['get', 'secrets', '-n', other])).toBe(false);
    expect(await allowed(identity, ['get', 'secrets', '-n', 'kube-system'])).toBe(false);
    expect(await allowed(identity, ['list', NC, '-n', other])).toBe(false);
    expect(await allowed(identity, ['list', NC, '--all-namespaces'])).toBe(false);
    expect(await allowed(identity, ['create', 'events', '-n', other])).toBe(false);
    expect(await allowed(identity, { verb: 'list', group: GROUP, resource: 'containersecrets' })).toBe(false);
  });

  it('still lets the operator take the Lease in its own namespace, and only there', async () => {
    expect(await allowed(identity, ['create', 'leases.coordination.k8s.io', '-n', home])).toBe(true);
    expect(await allowed(identity, ['create', 'leases.coordination.k8s.io', '-n', watched])).toBe(false);
  });
});
