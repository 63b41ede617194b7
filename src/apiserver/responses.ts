// Answers in the API server's own shapes: errors as a metav1 Status (kubectl prints its message),
// and the discovery documents an aggregated API server must serve.
import type { ServerResponse } from 'node:http';
import { SUBRESOURCE_API, SUBRESOURCE_GROUP, SUBRESOURCE_VERSION, SUBRESOURCES } from '../api/subresources.ts';
import { verbOf } from '../api/subresources.ts';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** A failure with its HTTP code, answered as a Status. */
export class HttpError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
    this.name = 'HttpError';
  }
}

export function statusBody(code: number, message: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: REASONS[code] ?? 'Unknown',
    code,
  });
}

export function sendStatus(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json' }).end(statusBody(code, message));
}

export function sendJson(res: ServerResponse, body: unknown, code = 200): void {
  res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

const GROUP_VERSION = { groupVersion: SUBRESOURCE_API, version: SUBRESOURCE_VERSION };

export const API_GROUP = {
  kind: 'APIGroup',
  apiVersion: 'v1',
  name: SUBRESOURCE_GROUP,
  versions: [GROUP_VERSION],
  preferredVersion: GROUP_VERSION,
};

export const API_GROUP_LIST = { kind: 'APIGroupList', apiVersion: 'v1', groups: [API_GROUP] };

export const API_RESOURCE_LIST = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: SUBRESOURCE_API,
  resources: Object.entries(SUBRESOURCES).map(([name, methods]) => ({
    name: `nativecontainers/${name}`,
    singularName: '',
    namespaced: true,
    kind: name === 'commit' ? 'CommitResult' : name === 'plan' ? 'PlanResult' : 'NativeContainer',
    verbs: [...new Set(methods.map(verbOf))],
  })),
};

/** The discovery document of a path, or undefined when the path is not one. */
export function discovery(path: string): unknown {
  if (path === '/apis' || path === '/apis/') return API_GROUP_LIST;
  if (path === `/apis/${SUBRESOURCE_GROUP}` || path === `/apis/${SUBRESOURCE_GROUP}/`) return API_GROUP;
  if (path === `/apis/${SUBRESOURCE_API}` || path === `/apis/${SUBRESOURCE_API}/`) return API_RESOURCE_LIST;
  // The aggregator merges every server's OpenAPI; the subresources add no schema of their own.
  if (path === '/openapi/v2')
    return { swagger: '2.0', info: { title: SUBRESOURCE_GROUP, version: SUBRESOURCE_VERSION }, paths: {} };
  if (path === '/openapi/v3') return { paths: {} };
  return undefined;
}
