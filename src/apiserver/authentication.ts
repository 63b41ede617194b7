// Delegated authentication, as an aggregated API server does it: the kube-apiserver in front of us
// (its front proxy) presents a client certificate signed by the request-header CA and says who the
// user is in X-Remote-User, X-Remote-Group and X-Remote-Extra-* headers. The CA, the allowed
// certificate names and the header names come from the ConfigMap
// kube-system/extension-apiserver-authentication, which the kube-apiserver keeps up to date; we
// read it again every minute. Anything else (no certificate, another CA, a name not allowed, no
// user header) is anonymous, and anonymous requests are refused.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KubeClient } from '../runtime/kube-client.ts';

export const AUTHENTICATION_CONFIG_MAP = '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication';

export interface UserInfo {
  username: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export interface RequestHeaderConfig {
  /** PEM of the CA the front proxy's client certificate is signed by. */
  clientCa: string;
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

interface ConfigMap {
  data?: Record<string, string>;
}

/** The request-header settings of the ConfigMap; throws when it has no request-header CA. */
export function requestHeaderConfig(cm: ConfigMap): RequestHeaderConfig {
  const data = cm.data ?? {};
  const clientCa = data['requestheader-client-ca-file'];
  if (!clientCa) {
    throw new Error(
      'kube-system/extension-apiserver-authentication has no requestheader-client-ca-file: the kube-apiserver runs without the aggregation layer (--requestheader-client-ca-file)',
    );
  }
  const list = (key: string, fallback: string[]): string[] => {
    const raw = data[key];
    if (!raw) return fallback;
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : fallback;
  };
  return {
    clientCa,
    allowedNames: list('requestheader-allowed-names', []),
    usernameHeaders: list('requestheader-username-headers', ['X-Remote-User']),
    groupHeaders: list('requestheader-group-headers', ['X-Remote-Group']),
    extraHeaderPrefixes: list('requestheader-extra-headers-prefix', ['X-Remote-Extra-']),
  };
}

export async function loadRequestHeaderConfig(client: KubeClient): Promise<RequestHeaderConfig> {
  return requestHeaderConfig(await client.get<ConfigMap>(AUTHENTICATION_CONFIG_MAP));
}

/** Who sent the request, or why nobody we can name did. */
export function authenticate(req: IncomingMessage, config: RequestHeaderConfig): UserInfo | { refused: string } {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return { refused: 'no client certificate signed by the request-header CA' };
  const cn = socket.getPeerCertificate().subject?.CN;
  if (config.allowedNames.length > 0 && !config.allowedNames.includes(String(cn))) {
    return { refused: `client certificate ${String(cn)} is not one of the allowed request-header names` };
  }
  const values = (name: string): string[] => req.headersDistinct[name.toLowerCase()] ?? [];
  const username = config.usernameHeaders.map((h) => values(h)[0]).find((v) => v !== undefined && v !== '');
  if (username === undefined) return { refused: 'no user in the request headers' };
  const groups = config.groupHeaders.flatMap(values);
  const extra: Record<string, string[]> = {};
  for (const [header, vals] of Object.entries(req.headersDistinct)) {
    const prefix = config.extraHeaderPrefixes.find((p) => header.startsWith(p.toLowerCase()));
    if (prefix === undefined || vals === undefined) continue;
    const key = decodeURIComponent(header.slice(prefix.length)).toLowerCase();
    extra[key] = [...(extra[key] ?? []), ...vals];
  }
  return { username, groups, extra };
}
