// The subresource API server behind the test kube-apiserver's aggregation layer: a serving
// certificate for its Service signed by the test CA, a network namespace whose address the
// EndpointSlices name (an endpoint address may not be loopback), a forwarder in it per operator
// replica towards the replica's port on the root side of the veth pair, and the Service,
// Endpoints and APIService. remove() deletes the APIService first: a dead one breaks discovery
// and blocks namespace deletion for the whole API server.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APISERVICE_NAME, SUBRESOURCE_API, SUBRESOURCE_GROUP, SUBRESOURCE_VERSION } from '../api/subresources.ts';
import { readFileSync } from 'node:fs';
import { certPaths, ensureCerts, signServing } from './certs.ts';
import { runAll } from './cleanup.ts';
import { kubectl } from './kubectl.ts';
import { createNetns, type Netns } from './netns.ts';
import { cacheDir, runDir } from './paths.ts';
import { startProcess, waitFor, type ProcessHandle } from './processes.ts';

const FORWARDER = fileURLToPath(new URL('./forwarder.ts', import.meta.url));
export const SERVICE_NAME = 'nco-subresources';

export interface Aggregation {
  netns: Netns;
  /** Where operators listen: NCO_SUBRESOURCE_BIND_ADDRESS. */
  bindAddress: string;
  /** NCO_TLS_CERT_FILE and NCO_TLS_KEY_FILE of the operators. */
  certFile: string;
  keyFile: string;
  /** Forwards to these operator ports and registers the APIService; its endpoints are all of them. */
  register(operatorPorts: number[]): Promise<void>;
  /** The Service's endpoints are only the replicas at these indexes of register()'s list. */
  route(indexes: number[]): Promise<void>;
  remove(): Promise<void>;
}

export interface AggregationOptions {
  /**
   * False: the EndpointSlices name the operators' own address, the root side of the veth pair,
   * as a cluster's name a pod's; no forwarder hop in between (benchmarks). True (default): a
   * forwarder listens inside the namespace, as the issue's test setup has it.
   */
  forward?: boolean;
}

export async function setUpAggregation(
  cp: { kubeconfigPath: string },
  namespace: string,
  opts: AggregationOptions = {},
): Promise<Aggregation> {
  const forward = opts.forward ?? true;
  const shared = await ensureCerts(join(cacheDir(), 'pki'));
  const dir = runDir(`aggregation-${namespace}`);
  // The CA stays where it is; the leaf goes into the run dir.
  const signing = { ...certPaths(dir), caCert: shared.caCert, caKey: shared.caKey };
  await signServing(signing, 'serving', [
    `${SERVICE_NAME}.${namespace}.svc`,
    `${SERVICE_NAME}.${namespace}.svc.cluster.local`,
  ]);
  const netns = await createNetns();
  const forwarders: ProcessHandle[] = [];
  const ports: number[] = [];
  const apply = (obj: unknown): Promise<unknown> => kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(obj) });

  // kube-apiserver 1.35 routes to an APIService's Service by its EndpointSlices; one slice a
  // replica, since a slice has one port list and each replica has its forwarder's port.
  const endpoints = async (indexes: number[]): Promise<void> => {
    for (const [i, port] of ports.entries()) {
      const name = `${SERVICE_NAME}-${i}`;
      if (!indexes.includes(i)) {
        await kubectl(cp, ['delete', '-n', namespace, 'endpointslice', name, '--ignore-not-found']);
        continue;
      }
      await apply({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name, namespace, labels: { 'kubernetes.io/service-name': SERVICE_NAME } },
        addressType: 'IPv4',
        ports: [{ name: 'https', port, protocol: 'TCP' }],
        endpoints: [{ addresses: [forward ? netns.address : netns.hostAddress], conditions: { ready: true } }],
      });
    }
  };

  return {
    netns,
    bindAddress: netns.hostAddress,
    certFile: join(dir, 'serving.crt'),
    keyFile: join(dir, 'serving.key'),
    async register(operatorPorts) {
      for (const [i, port] of operatorPorts.entries()) {
        if (!forward) {
          ports.push(port);
          continue;
        }
        const listen = 9443 + i;
        const { command, args } = netns.wrap(process.execPath, [
          FORWARDER,
          `${netns.address}:${listen}`,
          `${netns.hostAddress}:${port}`,
        ]);
        forwarders.push(
          startProcess({ name: `forwarder-${i}`, command, args, logFile: join(dir, `forwarder-${i}.log`) }),
        );
        ports.push(listen);
      }
      await apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: SERVICE_NAME, namespace },
        spec: { ports: [{ name: 'https', port: 443, targetPort: 9443, protocol: 'TCP' }] },
      });
      await endpoints(operatorPorts.map((_, i) => i));
      await apply({
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: APISERVICE_NAME },
        spec: {
          group: SUBRESOURCE_GROUP,
          version: SUBRESOURCE_VERSION,
          service: { namespace, name: SERVICE_NAME, port: 443 },
          caBundle: readFileSync(shared.caCert).toString('base64'),
          groupPriorityMinimum: 1000,
          versionPriority: 15,
        },
      });
      await waitFor(
        `APIService ${APISERVICE_NAME} available`,
        async () => (await kubectl(cp, ['get', '--raw', `/apis/${SUBRESOURCE_API}`], { allowFail: true })).code === 0,
        { timeoutMs: 60_000, intervalMs: 500, ...(forwarders[0] ? { process: forwarders[0] } : {}) },
      );
    },
    route: endpoints,
    async remove() {
      await runAll([
        () => kubectl(cp, ['delete', 'apiservice', APISERVICE_NAME, '--ignore-not-found'], { allowFail: true }),
        () =>
          kubectl(cp, ['delete', '-n', namespace, 'service', SERVICE_NAME, '--ignore-not-found'], { allowFail: true }),
        () =>
          kubectl(
            cp,
            ['delete', '-n', namespace, 'endpointslice', '-l', `kubernetes.io/service-name=${SERVICE_NAME}`],
            {
              allowFail: true,
            },
          ),
        ...forwarders.map((f) => () => f.stop()),
        () => netns.remove(),
      ]);
    },
  };
}
