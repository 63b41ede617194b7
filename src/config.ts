// Operator configuration from the environment, checked once at start-up.
import { hostname } from 'node:os';

export interface OperatorConfig {
  /** Path of a kubeconfig; undefined means ~/.kube/config, then the pod's service account. */
  kubeconfig?: string;
  dockerHost?: string;
  /** Network mode of new containers; undefined leaves Docker's default. */
  networkMode?: string;
  workers: number;
  logLevel: string;
  resyncSeconds: number;
  shutdownTimeoutSeconds: number;
  /** Namespaces to watch; empty means all. */
  watchNamespaces: string[];
  leaderElection: { enabled: boolean; namespace: string; name: string; identity: string };
  bindAddress: string;
  healthPort: number;
  metricsPort: number;
  /** A watch with no event or bookmark for this long is restarted. */
  watchIdleSeconds: number;
  /** ImageBuilds that run at once on one Docker host; the others wait (phase Pending). */
  buildsPerHost: number;
  /** Keep the ValidatingAdmissionPolicy of the NativeContainerPolicies in line (NCO_ADMISSION_POLICY). */
  admissionPolicy: boolean;
  /** How placement scores ContainerHosts: binpack fills the fullest first, spread the emptiest. */
  placementStrategy: 'binpack' | 'spread';
  /** How often a Ready ContainerHost is asked again, and its heartbeat written at most. */
  hostHeartbeatSeconds: number;
  /** The operator's own namespace: where a ContainerHost's secretRef without a namespace points. */
  namespace: string;
  /** The subresource API server (log, exec, ...); undefined without a serving certificate. */
  subresources?: SubresourceConfig;
}

export interface SubresourceConfig {
  bindAddress: string;
  port: number;
  certFile: string;
  keyFile: string;
  /** Exec Events carry the whole command line instead of its first word. */
  eventArguments: boolean;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return {
    ...(env['KUBECONFIG'] ? { kubeconfig: env['KUBECONFIG'] } : {}),
    ...(env['DOCKER_HOST'] ? { dockerHost: env['DOCKER_HOST'] } : {}),
    ...(env['NCO_NETWORK_MODE'] ? { networkMode: env['NCO_NETWORK_MODE'] } : {}),
    workers: int(env, 'NCO_WORKERS', 2, 1),
    logLevel: env['LOG_LEVEL'] ?? 'info',
    resyncSeconds: int(env, 'NCO_RESYNC_SECONDS', 300, 1),
    shutdownTimeoutSeconds: int(env, 'NCO_SHUTDOWN_TIMEOUT_SECONDS', 30, 1),
    watchNamespaces: (env['NCO_WATCH_NAMESPACES'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    leaderElection: {
      enabled: bool(env, 'NCO_LEADER_ELECT', false),
      namespace: env['NCO_LEADER_ELECTION_NAMESPACE'] || env['POD_NAMESPACE'] || 'default',
      name: env['NCO_LEADER_ELECTION_ID'] || 'native-container-operator',
      identity: env['POD_NAME'] || `${hostname()}_${process.pid}`,
    },
    bindAddress: env['NCO_BIND_ADDRESS'] || '0.0.0.0',
    healthPort: int(env, 'NCO_HEALTH_PORT', 8081, 0),
    metricsPort: int(env, 'NCO_METRICS_PORT', 8080, 0),
    watchIdleSeconds: int(env, 'NCO_WATCH_IDLE_SECONDS', 150, 1),
    buildsPerHost: int(env, 'NCO_BUILDS_PER_HOST', 1, 1),
    admissionPolicy: bool(env, 'NCO_ADMISSION_POLICY', true),
    placementStrategy: strategy(env),
    hostHeartbeatSeconds: int(env, 'NCO_HOST_HEARTBEAT_SECONDS', 10, 1),
    namespace: ownNamespace(env),
    ...subresourceConfig(env),
  };
}

/** NCO_TLS_CERT_FILE and NCO_TLS_KEY_FILE (the serving certificate) turn the subresource API server on. */
function subresourceConfig(env: NodeJS.ProcessEnv): { subresources?: SubresourceConfig } {
  const certFile = env['NCO_TLS_CERT_FILE'];
  const keyFile = env['NCO_TLS_KEY_FILE'];
  if (!certFile && !keyFile) return {};
  if (!certFile || !keyFile) throw new Error('NCO_TLS_CERT_FILE and NCO_TLS_KEY_FILE go together');
  return {
    subresources: {
      bindAddress: env['NCO_SUBRESOURCE_BIND_ADDRESS'] || env['NCO_BIND_ADDRESS'] || '0.0.0.0',
      port: int(env, 'NCO_SUBRESOURCE_PORT', 8443, 0),
      certFile,
      keyFile,
      eventArguments: bool(env, 'NCO_EXEC_EVENT_ARGUMENTS', false),
    },
  };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function ownNamespace(env: NodeJS.ProcessEnv): string {
  return env['POD_NAMESPACE'] || 'default';
}

function strategy(env: NodeJS.ProcessEnv): 'binpack' | 'spread' {
  const raw = env['NCO_PLACEMENT_STRATEGY'] || 'spread';
  if (raw === 'binpack' || raw === 'spread') return raw;
  throw new Error(`NCO_PLACEMENT_STRATEGY must be binpack or spread, got ${JSON.stringify(raw)}`);
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}
