// The subresource API of NativeContainers (an aggregated API served by the operator), shared by
// the server (src/apiserver/) and the kubectl plugin (src/cli/): names, the verbs RBAC checks,
// and Kubernetes' remote command stream protocol.
export const SUBRESOURCE_GROUP = 'subresources.nativecontainer.io';
export const SUBRESOURCE_VERSION = 'v1alpha1';
export const SUBRESOURCE_API = `${SUBRESOURCE_GROUP}/${SUBRESOURCE_VERSION}`;
export const APISERVICE_NAME = `${SUBRESOURCE_VERSION}.${SUBRESOURCE_GROUP}`;

export type Subresource = 'log' | 'exec' | 'attach' | 'stats' | 'top' | 'archive' | 'commit' | 'plan';

/** Each subresource with the HTTP methods it answers; RBAC verbs follow the method (GET get, POST create, PUT update). */
export const SUBRESOURCES: Record<Subresource, readonly string[]> = {
  log: ['GET'],
  exec: ['GET'],
  attach: ['GET'],
  stats: ['GET'],
  top: ['GET'],
  archive: ['GET', 'PUT'],
  commit: ['POST'],
  plan: ['POST'],
};

/** The RBAC verb the API server (and our server) checks for a request method, as Kubernetes maps it. */
export function verbOf(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'get';
  }
}

export function subresourcePath(namespace: string, name: string, subresource: Subresource): string {
  return `/apis/${SUBRESOURCE_API}/namespaces/${encodeURIComponent(namespace)}/nativecontainers/${encodeURIComponent(name)}/${subresource}`;
}

/**
 * Kubernetes' remote command protocol over WebSocket (kubectl exec): binary messages whose first
 * byte is the channel. v5 adds channel 255, by which a side closes one of its channels (stdin).
 */
export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
export const STREAM_PROTOCOLS = [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4];

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** The Status the status channel carries when the command ended, as the kubelet writes it. */
export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
}

export function execStatus(exitCode: number | undefined, what: string): ExecStatus {
  if (exitCode === undefined || exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${what} exited with ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The exit code a status channel message reports: 0 for Success, the ExitCode cause otherwise. */
export function exitCodeOf(status: ExecStatus): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}

/** One frame: the channel byte, then the payload. */
export function frame(channel: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

/** A resize message of channel 4. */
export interface TerminalSize {
  Width: number;
  Height: number;
}

/** The body of a commit request. */
export interface CommitRequest {
  repository: string;
  tag?: string;
  message?: string;
  author?: string;
  /** Push the image after the commit, with the credentials of this ContainerSecret of the namespace. */
  push?: { secretName: string };
}

export interface CommitResult {
  kind: 'CommitResult';
  apiVersion: typeof SUBRESOURCE_API;
  image: string;
  imageID: string;
  pushed: boolean;
  digest?: string;
}

export interface PlanResult {
  kind: 'PlanResult';
  apiVersion: typeof SUBRESOURCE_API;
  /** One line an operation, as the operator logs them; empty when nothing would change. */
  operations: string[];
  /** "rebuild", "in place", "none" or "blocked". */
  effect: string;
  /** Why nothing can be planned now (an invalid spec, a missing Secret), when that is the case. */
  problem?: string;
}
