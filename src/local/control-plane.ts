import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCerts, FRONT_PROXY_CLIENT } from './certs.ts';
import { runAll } from './cleanup.ts';
import { EMBEDDED_CONTROLLERS, startControllerManager } from './controller-manager.ts';
import type { CertPaths } from './certs.ts';
import { startEtcd } from './etcd.ts';
import { httpRequest } from './http-request.ts';
import type { HttpResponse } from './http-request.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { binary, cacheDir, runDir } from './paths.ts';
import { freePort, startProcess, waitFor } from './processes.ts';
import type { ProcessHandle } from './processes.ts';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  kubeconfigPath: string;
  certDir: string;
  etcdEndpoint: string;
  etcd: ProcessHandle;
  /** Replaced by restartApiserver(). */
  apiserver: ProcessHandle;
  /** kube-controller-manager with EMBEDDED_CONTROLLERS. */
  controllerManager: ProcessHandle;
  stop(): Promise<void>;
  restartApiserver(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Run-dir name; defaults to one per Node process so parallel workers don't collide. */
  name?: string;
  readyTimeoutMs?: number;
}

/** Starts a real etcd + kube-apiserver pair on free loopback ports (like controller-runtime envtest). */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const name = opts.name ?? `control-plane-${process.pid}`;
  // Fail before starting anything when a binary was never built.
  const apiserverBin = binary('kube-apiserver');
  binary('kube-controller-manager');
  const dir = runDir(name);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const certs = await ensureCerts(join(cacheDir(), 'pki'));
  const etcd = await startEtcd(dir, name);
  const etcdEndpoint = etcd.endpoint;
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const args = apiserverArgs(dir, certs, etcdEndpoint, port);
  const tls = readTls(certs);
  const api = (method: string, path: string, body?: string): Promise<HttpResponse> =>
    httpRequest({ url: server + path, method, body, ...tls, headers: { 'content-type': 'application/json' } });

  const launch = async (): Promise<ProcessHandle> => {
    const handle = startProcess({
      name: 'kube-apiserver',
      command: apiserverBin,
      args,
      logFile: join(dir, 'kube-apiserver.log'),
    });
    try {
      await waitFor('kube-apiserver /readyz', async () => (await api('GET', '/readyz')).status === 200, {
        timeoutMs: readyTimeoutMs,
        intervalMs: 250,
        process: handle,
      });
    } catch (err) {
      await handle.stop();
      throw err;
    }
    return handle;
  };

  let apiserver: ProcessHandle;
  try {
    apiserver = await launch();
    await ensureDefaultNamespace(api, apiserver);
  } catch (err) {
    await etcd.stop();
    throw err;
  }
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, {
    server,
    caCertFile: certs.caCert,
    clientCertFile: certs.adminCert,
    clientKeyFile: certs.adminKey,
  });
  const controllerManager = startControllerManager({ kubeconfigPath, controllers: EMBEDDED_CONTROLLERS, dir });

  const cp: ControlPlane = {
    server,
    kubeconfigPath,
    certDir: certs.dir,
    etcdEndpoint,
    etcd: etcd.handle,
    apiserver,
    controllerManager,
    async stop() {
      await runAll([() => cp.controllerManager.stop(), () => cp.apiserver.stop(), () => etcd.stop()]);
    },
    async restartApiserver() {
      await cp.apiserver.stop();
      cp.apiserver = await launch();
    },
  };
  return cp;
}

function apiserverArgs(dir: string, certs: CertPaths, etcdEndpoint: string, port: number): string[] {
  return [
    `--etcd-servers=${etcdEndpoint}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${certs.servingCert}`,
    `--tls-private-key-file=${certs.servingKey}`,
    `--client-ca-file=${certs.clientCaCert}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    // No controller-manager runs, so nothing would create the tokens this plugin waits for.
    '--disable-admission-plugins=ServiceAccount',
    '--enable-priority-and-fairness=false',
    // No nodes or other apiservers: skip maintaining the kubernetes Endpoints object.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    ...aggregationArgs(certs),
  ];
}

/**
 * The aggregation layer as kubeadm configures it: the front proxy's CA and client certificate, the
 * X-Remote-* headers, and routing to the Endpoints of an APIService's Service (no kube-proxy here).
 */
function aggregationArgs(certs: CertPaths): string[] {
  return [
    `--requestheader-client-ca-file=${certs.frontProxyCaCert}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${certs.frontProxyClientCert}`,
    `--proxy-client-key-file=${certs.frontProxyClientKey}`,
    '--enable-aggregator-routing=true',
  ];
}

function readTls(certs: CertPaths): { ca: string; cert: string; key: string } {
  return {
    ca: readFileSync(certs.caCert, 'utf8'),
    cert: readFileSync(certs.adminCert, 'utf8'),
    key: readFileSync(certs.adminKey, 'utf8'),
  };
}

type Api = (method: string, path: string, body?: string) => Promise<HttpResponse>;

// The apiserver creates `default` itself shortly after readiness; create it if that is slow.
async function ensureDefaultNamespace(api: Api, apiserver: ProcessHandle): Promise<void> {
  const exists = async (): Promise<boolean> => (await api('GET', '/api/v1/namespaces/default')).status === 200;
  try {
    await waitFor('namespace default', exists, { timeoutMs: 5_000, intervalMs: 200, process: apiserver });
    return;
  } catch {
    // Fall through and create it.
  }
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await waitFor(
    'create namespace default',
    async () => {
      const res = await api('POST', '/api/v1/namespaces', body);
      return res.status === 201 || res.status === 409;
    },
    { timeoutMs: 20_000, intervalMs: 500, process: apiserver },
  );
}
