// How the operator reaches and authenticates to the API server: a kubeconfig (client
// certificates, a bearer token or token file, basic auth) or the pod's service account.
//
// Why our own loader: importing @kubernetes/client-node costs about 90 MB of resident memory (its
// generated API clients load with it, even for `KubeConfig` alone), most of the operator's
// footprint, and we only need what is below. A kubeconfig that needs more (an `exec` credential
// plugin, an `auth-provider`, a `proxy-url`) is handed to client-node, imported only then, so
// nothing a user's kubeconfig can say is lost.
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse, stringify } from 'yaml';

/** Adds the transport (TLS material, a keep-alive agent) and credentials to a request. */
export interface KubeAuth {
  readonly server: URL;
  /** Where the configuration came from, for messages. */
  readonly source: string;
  apply(options: https.RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Projected service-account tokens rotate; client-go reads the file again after a minute too. */
const TOKEN_FILE_TTL_MS = 60_000;

interface NamedEntry<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}
interface Cluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}
interface User {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}
interface Context {
  cluster?: string;
  user?: string;
  namespace?: string;
}
interface KubeconfigFile {
  'current-context'?: string;
  clusters?: NamedEntry<Cluster>[];
  users?: NamedEntry<User>[];
  contexts?: NamedEntry<Context>[];
}

/**
 * The explicit path (a list separated by ':' as in $KUBECONFIG), else $KUBECONFIG, else
 * ~/.kube/config, else the pod's service account: the order of kubectl and client-node.
 */
export function loadKubeAuth(path?: string, env: NodeJS.ProcessEnv = process.env): KubeAuth {
  const list = path ?? env['KUBECONFIG'];
  if (list) return fromFiles(list.split(delimiter).filter(Boolean));
  const home = join(env['HOME'] ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles([home]);
  if (env['KUBERNETES_SERVICE_HOST'] && existsSync(join(SERVICE_ACCOUNT_DIR, 'token'))) return inClusterAuth(env);
  throw new Error(`no kubeconfig: set KUBECONFIG, create ${home}, or run in a pod with a service account`);
}

/** The pod's service account: the Service's address from the environment, CA and token from files. */
export function inClusterAuth(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): KubeAuth {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? 'kubernetes.default.svc';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const server = new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  return native(server, 'in-cluster service account', {
    ca: readFileSync(join(dir, 'ca.crt')),
    tokenFile: join(dir, 'token'),
  });
}

interface Merged {
  current?: string;
  clusters: NamedEntry<Cluster>[];
  users: NamedEntry<User>[];
  contexts: NamedEntry<Context>[];
}

/** Files merged as kubectl does: the first file that sets a name or the current context wins. */
function merge(files: string[]): Merged {
  const merged: Merged = { clusters: [], users: [], contexts: [] };
  for (const file of files.filter((f) => existsSync(f))) {
    const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
    merged.current ??= doc['current-context'] || undefined;
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const have = merged[key] as NamedEntry<unknown>[];
      const fresh = ((doc[key] ?? []) as NamedEntry<unknown>[]).filter((e) => !have.some((h) => h.name === e.name));
      have.push(...fresh.map((e) => withAbsolutePaths(e, dirname(file))));
    }
  }
  return merged;
}

/**
 * As loadKubeAuth, for a client that takes kubectl's --kubeconfig and --context: the named context
 * (default the current one) and its namespace (default "default").
 */
export function loadKubeContext(
  path: string | undefined,
  contextName: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { auth: KubeAuth; namespace: string } {
  const list = path ?? env['KUBECONFIG'];
  const home = join(env['HOME'] ?? homedir(), '.kube', 'config');
  const files = list ? list.split(delimiter).filter(Boolean) : existsSync(home) ? [home] : [];
  if (files.length === 0) return { auth: loadKubeAuth(path, env), namespace: 'default' };
  const merged = merge(files);
  const { auth, context } = fromMerged(merged, files, contextName);
  return { auth, namespace: context.namespace || 'default' };
}

function contextOf(merged: Merged, source: string, contextName: string | undefined): Context {
  const current = contextName ?? merged.current;
  if (!current) throw new Error(`kubeconfig ${source} has no current-context`);
  const context = merged.contexts.find((c) => c.name === current)?.context;
  if (!context) throw new Error(`kubeconfig ${source}: context "${current}" is not defined`);
  return context;
}

function fromFiles(files: string[]): KubeAuth {
  return fromMerged(merge(files), files, undefined).auth;
}

function fromMerged(
  merged: Merged,
  files: string[],
  contextName: string | undefined,
): { auth: KubeAuth; context: Context } {
  const source = files.join(delimiter);
  const context = contextOf(merged, source, contextName);
  const cluster = merged.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${source}: cluster "${context.cluster}" has no server`);
  const user = merged.users.find((u) => u.name === context.user)?.user ?? {};
  const server = new URL(cluster.server);
  const auth =
    user.exec || user['auth-provider'] || cluster['proxy-url']
      ? viaClientNode(server, source, merged, contextName ?? merged.current)
      : native(server, source, material(cluster, user));
  return { auth, context };
}

function material(cluster: Cluster, user: User): Material {
  return {
    ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: bytes(user['client-certificate-data'], user['client-certificate']),
    key: bytes(user['client-key-data'], user['client-key']),
    rejectUnauthorized: !cluster['insecure-skip-tls-verify'],
    servername: cluster['tls-server-name'],
    token: user.token,
    tokenFile: user.tokenFile,
    basic: user.username ? `${user.username}:${user.password ?? ''}` : undefined,
  };
}

interface Material {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  rejectUnauthorized?: boolean;
  servername?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  basic?: string | undefined;
}

function native(server: URL, source: string, m: Material): KubeAuth {
  const tls = server.protocol === 'https:';
  const agent = tls
    ? new https.Agent({
        keepAlive: true,
        ...(m.ca ? { ca: m.ca } : {}),
        ...(m.cert ? { cert: m.cert } : {}),
        ...(m.key ? { key: m.key } : {}),
        ...(m.servername ? { servername: m.servername } : {}),
        rejectUnauthorized: m.rejectUnauthorized ?? true,
      })
    : new http.Agent({ keepAlive: true });
  const token = m.tokenFile ? cachedFile(m.tokenFile) : () => m.token;
  return {
    server,
    source,
    apply(options) {
      options.agent = agent;
      const bearer = token()?.trim();
      const authorization = bearer
        ? `Bearer ${bearer}`
        : m.basic
          ? `Basic ${Buffer.from(m.basic).toString('base64')}`
          : undefined;
      if (authorization) options.headers = { ...options.headers, Authorization: authorization };
      return Promise.resolve();
    },
  };
}

/**
 * Everything client-node supports, at the price of loading it; only for kubeconfigs that need it.
 * It gets the files as merged here (paths made absolute), with the context asked for as current:
 * read by itself, it would merge $KUBECONFIG rather than the files given, and use its current
 * context whatever --context said.
 */
function viaClientNode(server: URL, source: string, merged: Merged, context: string | undefined): KubeAuth {
  type Loaded = { applyToHTTPSOptions(o: https.RequestOptions): Promise<void> };
  let config: Promise<Loaded> | undefined;
  const load = async (): Promise<Loaded> => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    const { clusters, users, contexts } = merged;
    kc.loadFromString(
      stringify({ apiVersion: 'v1', kind: 'Config', clusters, users, contexts, 'current-context': context }),
    );
    return kc;
  };
  return {
    server,
    source: `${source} (through @kubernetes/client-node: exec, auth-provider or proxy-url)`,
    async apply(options) {
      config ??= load();
      await (await config).applyToHTTPSOptions(options);
    },
  };
}

function cachedFile(file: string): () => string {
  let value = '';
  let readAt = -Infinity;
  let mtime = 0;
  return () => {
    const now = Date.now();
    if (now - readAt < TOKEN_FILE_TTL_MS) return value;
    const changed = statSync(file).mtimeMs;
    if (changed !== mtime || !value) value = readFileSync(file, 'utf8');
    mtime = changed;
    readAt = now;
    return value;
  };
}

function bytes(data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(file);
  return undefined;
}

const PATH_FIELDS = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'] as const;

/** Relative file names in a kubeconfig are relative to the file, as kubectl reads them. */
function withAbsolutePaths<T>(entry: NamedEntry<T>, base: string): NamedEntry<T> {
  const fix = (o: T | undefined): T | undefined => {
    if (!o || typeof o !== 'object') return o;
    const copy = { ...o } as Record<string, unknown>;
    for (const f of PATH_FIELDS) {
      const v = copy[f];
      if (typeof v === 'string' && v && !isAbsolute(v)) copy[f] = join(base, v);
    }
    return copy as T;
  };
  return {
    name: entry.name,
    ...(entry.cluster ? { cluster: fix(entry.cluster) } : {}),
    ...(entry.user ? { user: fix(entry.user) } : {}),
    ...(entry.context ? { context: entry.context } : {}),
  };
}
