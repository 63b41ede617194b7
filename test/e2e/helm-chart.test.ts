// The Helm chart as users meet it: helm lint, every object of helm template validated by the
// real API server (server-side dry run), and helm install / uninstall into it. No node runs the
// Deployment's pod here; the objects are what is tested.
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, helm, objectsOf, renderChart } from './packaging.ts';
import { createNamespace, EXAMPLES, kubectl } from './support.ts';

const MODES: Record<string, string[]> = {
  'the node Docker socket, as root': [],
  'the node Docker socket, as non-root in its group, with 2 replicas': [
    '--set=docker.socket.groupId=998',
    '--set=replicaCount=2',
    '--set=nodeSelector.kubernetes\\.io/hostname=docker-host',
  ],
  'Docker over tcp with TLS client certificates': [
    '--set=docker.mode=tcp',
    '--set=docker.tcp.host=tcp://docker.example:2376',
    '--set=docker.tcp.tls.secretName=docker-tls',
  ],
  'Docker over plain tcp, explicitly allowed': [
    '--set=docker.mode=tcp',
    '--set=docker.tcp.host=tcp://docker.example:2375',
    '--set=docker.tcp.tls.enabled=false',
    '--set=docker.tcp.allowPlainTcp=true',
  ],
  'Docker over ssh': [
    '--set=docker.mode=ssh',
    '--set=docker.ssh.host=ssh://operator@docker.example',
    '--set=docker.ssh.secretName=docker-ssh',
  ],
};

describe('the Helm chart', () => {
  let ns: string;

  beforeAll(async () => {
    ns = await createNamespace('chart');
  });

  it.each(Object.entries(MODES))('passes helm lint --strict with %s', async (_mode, values) => {
    const res = await helm(['lint', CHART, '--strict', ...values]);
    expect(res.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it.each(Object.entries(MODES))('renders objects the API server accepts with %s', async (_mode, values) => {
    const rendered = await renderChart('nco-dry', ns, ['--include-crds', ...values]);
    const kinds = objectsOf(rendered).map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'Deployment', 'ClusterRole']));
    const res = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered });
    expect(res.stdout).toContain('deployment.apps/nco-dry-native-container-operator created (server dry run)');
  });

  it('renders namespaced Roles and cluster-wide only reading ContainerHosts and what policies need when watchNamespaces is set, and the API server accepts them', async () => {
    const watched = [await createNamespace('chart-a'), await createNamespace('chart-b')];
    const rendered = await renderChart(
      'nco-scoped',
      ns,
      watched.map((w, i) => `--set=watchNamespaces[${i}]=${w}`),
    );
    const objects = objectsOf(rendered);
    // ContainerHosts and NativeContainerPolicies are cluster-scoped (policies select namespaces by
    // label): reading them, writing their status and the admission policy are all that is cluster-wide.
    const cluster = objects.filter((o) => o.kind.startsWith('Cluster'));
    expect(cluster.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/nco-scoped-native-container-operator-hosts',
      'ClusterRole/nco-scoped-native-container-operator-policies',
      'ClusterRoleBinding/nco-scoped-native-container-operator-hosts',
      'ClusterRoleBinding/nco-scoped-native-container-operator-policies',
    ]);
    const hostsRole = cluster.find(
      (o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-hosts'),
    ) as unknown as {
      rules: { resources: string[] }[];
    };
    expect(hostsRole.rules.flatMap((r) => r.resources).sort()).toEqual(['containerhosts', 'containerhosts/status']);
    const roles = objects.filter((o) => o.kind === 'Role' && !o.metadata.name.endsWith('-leader-election'));
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual([...watched].sort());
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as DeploymentShape;
    expect(deployment.spec.template.spec.containers[0]!.env).toContainEqual({
      name: 'NCO_WATCH_NAMESPACES',
      value: watched.join(','),
    });
    await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered });
  });

  it('renders a ServiceMonitor that scrapes the metrics port of its Service', async () => {
    const objects = objectsOf(await renderChart('nco-mon', ns, ['--set=metrics.serviceMonitor.enabled=true']));
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor') as unknown as ServiceMonitorShape;
    const service = objects.find((o) => o.kind === 'Service') as unknown as ServiceShape;
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p) => p.name)).toContain(monitor.spec.endpoints[0]!.port);
    expect(monitor.spec.endpoints[0]!.path).toBe('/metrics');
  });

  it('refuses values its schema does not allow, naming the field', async () => {
    const res = await helm(['template', 'nco-bad', CHART, '--set=docker.mode=podman'], { allowFail: true });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('/docker/mode');
  });

  it('refuses docker.mode tcp without a host', async () => {
    const res = await helm(['template', 'nco-bad', CHART, '--set=docker.mode=tcp'], { allowFail: true });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('/docker/tcp/host');
  });

  it('installs into the API server and uninstalls, leaving the CRDs and the NativeContainers in place', async () => {
    await helm(['install', 'nco-it', CHART, '--namespace', ns]);
    const status = await helm(['status', 'nco-it', '--namespace', ns]);
    expect(status.stdout).toContain('STATUS: deployed');
    expect(status.stdout).toContain('rollout status deployment/nco-it-native-container-operator');
    await kubectl([
      'get',
      '-n',
      ns,
      'deployment/nco-it-native-container-operator',
      'serviceaccount/nco-it-native-container-operator',
    ]);
    await kubectl(['get', 'clusterrole/nco-it-native-container-operator']);
    await kubectl(['apply', '-n', ns, '-f', `${EXAMPLES}/stopped.yaml`]);

    await helm(['uninstall', 'nco-it', '--namespace', ns]);
    const gone = await kubectl(['get', '-n', ns, 'deployment/nco-it-native-container-operator'], { allowFail: true });
    expect(gone.stderr).toContain('NotFound');
    const role = await kubectl(['get', 'clusterrole/nco-it-native-container-operator'], { allowFail: true });
    expect(role.stderr).toContain('NotFound');
    await kubectl(['get', 'crd/nativecontainers.nativecontainer.io']);
    await kubectl(['get', '-n', ns, 'nativecontainer/stopped']);
    await kubectl(['delete', '-n', ns, 'nativecontainer/stopped']);
  });
});

interface DeploymentShape {
  spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
}

interface ServiceShape {
  metadata: { labels: Record<string, string> };
  spec: { ports: { name: string }[] };
}

interface ServiceMonitorShape {
  spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
}
