// Operator configuration from the environment, checked once at start-up.

export interface OperatorConfig {
  /** Path of a kubeconfig; undefined means in-cluster, then $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  dockerHost?: string;
  /** Network mode of new containers; undefined leaves Docker's default. */
  networkMode?: string;
  workers: number;
  logLevel: string;
  resyncSeconds: number;
  shutdownTimeoutSeconds: number;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return {
    ...(env['KUBECONFIG'] ? { kubeconfig: env['KUBECONFIG'] } : {}),
    ...(env['DOCKER_HOST'] ? { dockerHost: env['DOCKER_HOST'] } : {}),
    ...(env['NCO_NETWORK_MODE'] ? { networkMode: env['NCO_NETWORK_MODE'] } : {}),
    workers: positiveInt(env, 'NCO_WORKERS', 2),
    logLevel: env['LOG_LEVEL'] ?? 'info',
    resyncSeconds: positiveInt(env, 'NCO_RESYNC_SECONDS', 300),
    shutdownTimeoutSeconds: positiveInt(env, 'NCO_SHUTDOWN_TIMEOUT_SECONDS', 30),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
