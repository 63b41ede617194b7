// ContainerBackend on the Docker Engine API through dockerode.
import http from 'node:http';
import https from 'node:https';
import Docker from 'dockerode';
import { repositoryOf } from '../api/image-reference.ts';
import { streamEngineEvents } from './docker-events.ts';
import {
  ConflictError,
  EngineUnavailableError,
  ImagePullError,
  InvalidConfigError,
  NotFoundError,
  RegistryAuthError,
  StaleTaskError,
  type ContainerBackend,
  type ContainerConfig,
  type HostMount,
  type ContainerRunState,
  type ContainerSummary,
  type EngineEvent,
  type ImageSummary,
  type KnownDigests,
  type ContainerUpdate,
  type NetworkOptions,
  type EngineInfo,
  type ObservedContainer,
  type ObservedVolume,
  type PortMapping,
  type Protocol,
  type PullFailure,
  type PullProgress,
  type RegistryAuth,
  type RestartPolicyName,
} from './container-backend.ts';
import { dockerOptions, type HostFiles } from './docker-host.ts';
import { engineOf, forEngine, healthcheckPath, type Engine } from './engines.ts';
import { viaSshAgent } from './ssh-dial.ts';

export interface DockerBackendOptions {
  /** unix:///path/docker.sock, tcp://host:port or ssh://user@host; undefined: /var/run/docker.sock. */
  host?: string;
  /** HostConfig.NetworkMode for new containers; undefined leaves Docker's default (bridge). */
  networkMode?: string;
  /**
   * Where TLS material or an SSH key is read from instead of the environment and the home
   * directory: a ContainerHost's Secret, as DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and files.
   */
  credentials?: { env: NodeJS.ProcessEnv; files: HostFiles };
}

/** The fields of GET /info the operator reads (dockerode types it as any). */
interface DockerInfo {
  NCPU?: number;
  MemTotal?: number;
}

interface DockerError {
  statusCode?: number;
  message?: string;
  json?: { message?: string } | string;
}

interface PullEvent {
  id?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

const SECOND_NS = 1_000_000_000;

/** Where the engine of a DOCKER_HOST value is, for messages; undefined: the local socket. */
export function endpointOf(host: string | undefined): string {
  return host || 'unix:///var/run/docker.sock';
}

/** A client for a DOCKER_HOST value: unix, tcp (with TLS from DOCKER_TLS_VERIFY) or ssh; see docker-host.ts. */
export function dockerFromHost(host: string | undefined, credentials?: DockerBackendOptions['credentials']): Docker {
  const options = dockerOptions(host, credentials?.env, credentials?.files);
  return new Docker(options.protocol === 'ssh' ? viaSshAgent(options) : options);
}

/**
 * A client that opens a new connection for every request. An engine shutting down has closed its
 * listener (refused at once) while it still answers, with 500s, on connections already open.
 */
function freshClient(host: string | undefined, credentials?: DockerBackendOptions['credentials']): Docker {
  const options = dockerOptions(host, credentials?.env, credentials?.files);
  if (options.protocol === 'ssh') return new Docker(viaSshAgent(options)); // a new channel per request already
  const Agent = options.protocol === 'https' ? https.Agent : http.Agent;
  // docker-modem passes `agent` through to http.request; its type declarations do not list it.
  const withAgent: Docker.DockerOptions & { agent: http.Agent } = {
    ...options,
    agent: new Agent({ keepAlive: false }),
  };
  return new Docker(withAgent);
}

export class DockerBackend implements ContainerBackend {
  readonly endpoint: string;
  private readonly docker: Docker;
  private readonly fresh: Docker;
  private readonly networkMode: string | undefined;
  private kind: Promise<Engine> | undefined;

  constructor(options: DockerBackendOptions = {}) {
    this.endpoint = endpointOf(options.host);
    this.docker = dockerFromHost(options.host, options.credentials);
    this.fresh = freshClient(options.host, options.credentials);
    this.networkMode = options.networkMode;
  }

  /** Docker or Podman, asked once (a failed answer is asked again next time). */
  private engine(): Promise<Engine> {
    this.kind ??= this.docker.version().then(engineOf, (err: unknown) => {
      this.kind = undefined;
      throw err;
    });
    return this.kind;
  }

  async engineInfo(): Promise<EngineInfo> {
    try {
      const [version, info] = await Promise.all([this.docker.version(), this.docker.info() as Promise<DockerInfo>]);
      return {
        engine: engineOf(version),
        version: version.Version,
        apiVersion: version.ApiVersion,
        cpus: info.NCPU ?? 0,
        memoryBytes: info.MemTotal ?? 0,
      };
    } catch (err) {
      throw this.translate(err);
    }
  }

  async ping(options: { fresh?: boolean } = {}): Promise<void> {
    try {
      await (options.fresh ? this.fresh : this.docker).ping();
    } catch (err) {
      throw this.translate(err);
    }
  }

  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const found = await this.call(() =>
      this.docker.listContainers({ all: true, filters: { label: labelFilter(labels) } }),
    );
    return found.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      labels: c.Labels ?? {},
      state: c.State as ContainerRunState,
    }));
  }

  async images(): Promise<ImageSummary[]> {
    const found = await this.call(() => this.docker.listImages());
    return found.map((i) => ({ id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [] }));
  }

  async inspect(id: string, knownDigests?: KnownDigests): Promise<ObservedContainer | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.translate(err);
    }
    const known = knownDigests?.(info.Image);
    const digest = known ? digestFor(known, info.Config.Image) : await this.repoDigest(info.Image, info.Config.Image);
    return observedFrom(info, digest);
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw this.translate(err);
    }
  }

  async pull(image: string, onProgress: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image, auth ? { authconfig: auth } : {});
    } catch (err) {
      if (isConnectionFailure(err)) throw this.translate(err);
      throw new ImagePullError(pullFailure(statusOf(err), messageOf(err)), image, messageOf(err));
    }
    const layers = new Map<string, { current: number; total: number }>();
    let streamError: string | undefined;
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: PullEvent) => {
          // An error in the middle of the stream ends the pull without an HTTP error code.
          if (event.error) streamError = event.errorDetail?.message ?? event.error;
          else onProgress(progressOf(event, layers));
        },
      );
    }).catch((err: unknown) => {
      throw new ImagePullError('Failed', image, messageOf(err));
    });
    if (streamError !== undefined) throw new ImagePullError(pullFailure(undefined, streamError), image, streamError);
  }

  async registryDigest(image: string, auth?: RegistryAuth): Promise<string> {
    try {
      const info = await this.docker.getImage(image).distribution(auth ? { authconfig: auth } : {});
      return info.Descriptor.digest;
    } catch (err) {
      if (isConnectionFailure(err)) throw this.translate(err);
      throw new ImagePullError(pullFailure(statusOf(err), messageOf(err)), image, messageOf(err));
    }
  }

  async checkAuth(auth: RegistryAuth): Promise<void> {
    try {
      await this.docker.checkAuth(auth);
    } catch (err) {
      if (isConnectionFailure(err)) throw this.translate(err);
      const message = messageOf(err);
      throw new RegistryAuthError(authFailure(message), message);
    }
  }

  async engineKind(): Promise<Engine> {
    try {
      return await this.engine();
    } catch (err) {
      throw this.translate(err);
    }
  }

  async create(config: ContainerConfig): Promise<string> {
    try {
      const options = forEngine(await this.engine(), createOptions(config, this.networkMode));
      const container = await this.docker.createContainer(options);
      return container.id;
    } catch (err) {
      throw this.translate(err);
    }
  }

  async start(id: string): Promise<void> {
    await this.ignoring(304, () => this.docker.getContainer(id).start());
  }

  async stop(id: string, timeoutSeconds?: number): Promise<void> {
    await this.ignoring(304, () =>
      this.docker.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds }),
    );
  }

  async restart(id: string, timeoutSeconds?: number): Promise<void> {
    await this.ignoring(undefined, () =>
      this.docker.getContainer(id).restart(timeoutSeconds === undefined ? {} : { t: timeoutSeconds }),
    );
  }

  async pause(id: string): Promise<void> {
    await this.ignoring(undefined, () => this.docker.getContainer(id).pause());
  }

  async unpause(id: string): Promise<void> {
    await this.ignoring(undefined, () => this.docker.getContainer(id).unpause());
  }

  async update(id: string, update: ContainerUpdate): Promise<void> {
    const { resources, restartPolicy } = update;
    const body: Record<string, unknown> = {};
    if (resources?.nanoCpus !== undefined) body['NanoCpus'] = resources.nanoCpus;
    // Docker refuses a memory limit above the current memory+swap limit unless both change
    // together; swap stays off (memory+swap == memory), as at create.
    if (resources?.memoryBytes !== undefined) {
      body['Memory'] = resources.memoryBytes;
      body['MemorySwap'] = resources.memoryBytes;
    }
    if (restartPolicy)
      body['RestartPolicy'] = { Name: restartPolicy.name, MaximumRetryCount: restartPolicy.maximumRetryCount };
    if (update.pidsLimit !== undefined) body['PidsLimit'] = update.pidsLimit;
    await this.ignoring(undefined, () => this.docker.getContainer(id).update(body));
  }

  async rename(id: string, name: string): Promise<void> {
    await this.ignoring(undefined, () => this.docker.getContainer(id).rename({ name }));
  }

  async remove(id: string): Promise<void> {
    await this.ignoring(404, () => this.docker.getContainer(id).remove({ force: true, v: false }));
  }

  async listVolumes(labels: Record<string, string>): Promise<ObservedVolume[]> {
    const res = await this.call(() => this.docker.listVolumes({ filters: { label: labelFilter(labels) } }));
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.docker.createVolume({ Name: name, Labels: labels });
    } catch (err) {
      throw this.translate(err);
    }
  }

  async removeVolume(name: string): Promise<void> {
    await this.ignoring(404, () => this.docker.getVolume(name).remove());
  }

  async createNetwork(name: string, options: NetworkOptions, labels: Record<string, string>): Promise<void> {
    try {
      await this.docker.createNetwork({ Name: name, CheckDuplicate: true, Internal: options.internal, Labels: labels });
    } catch (err) {
      // Created meanwhile (by another resource, or by hand): it is used as it is.
      if (statusOf(err) === 409 || /already exists/.test(messageOf(err))) return;
      throw this.translate(err);
    }
  }

  async removeNetwork(name: string, labels: Record<string, string>): Promise<void> {
    let info: { Labels?: Record<string, string>; Containers?: Record<string, unknown> };
    try {
      info = await this.docker.getNetwork(name).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw this.translate(err);
    }
    const ours = Object.entries(labels).every(([k, v]) => info.Labels?.[k] === v);
    if (!ours || Object.keys(info.Containers ?? {}).length > 0) return;
    try {
      await this.docker.getNetwork(name).remove();
    } catch (err) {
      // Gone meanwhile, or a container was attached since: it stays.
      if (statusOf(err) === 404 || statusOf(err) === 403 || statusOf(err) === 409) return;
      if (/active endpoints/.test(messageOf(err))) return;
      throw this.translate(err);
    }
  }

  async runHealthcheck(id: string): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.dial(
          {
            path: healthcheckPath(id),
            method: 'GET',
            options: {},
            statusCodes: { 200: true, 404: 'no such container', 409: 'conflict', 500: 'server error' },
          },
          (err: Error | null) => (err ? reject(err) : resolve()),
        );
      });
    } catch (err) {
      // Gone, stopped, paused or without a healthcheck: nothing to run. A check that exceeded its
      // timeout is answered 500, and Podman has recorded it as a failure: done too.
      if (statusOf(err) === 404 || statusOf(err) === 409 || /exceeded timeout/.test(messageOf(err))) return;
      throw this.translate(err);
    }
  }

  async connect(id: string, network: string, aliases: string[]): Promise<void> {
    await this.call(() =>
      this.docker.getNetwork(network).connect({ Container: id, EndpointConfig: { Aliases: aliases } }),
    );
  }

  async disconnect(id: string, network: string): Promise<void> {
    try {
      await this.docker.getNetwork(network).disconnect({ Container: id, Force: false });
    } catch (err) {
      if (statusOf(err) === 404 || /is not connected/.test(messageOf(err))) return;
      throw this.translate(err);
    }
  }

  async events(onEvent: (e: EngineEvent) => void, signal: AbortSignal, connected: () => void): Promise<void> {
    try {
      // On a new connection: a kept-alive one may still reach an engine that is shutting down (its
      // listener closed, its socket gone), and a stream opened there would say it is back.
      await streamEngineEvents(this.fresh, onEvent, signal, connected);
    } catch (err) {
      throw this.translate(err);
    }
  }

  /** Runs op; a given status ("already started", "already gone") counts as success. */
  private async ignoring(status: number | undefined, op: () => Promise<unknown>): Promise<void> {
    try {
      await op();
    } catch (err) {
      if (status === undefined || statusOf(err) !== status) throw this.translate(err);
    }
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): Error {
    return engineError(this.endpoint, err);
  }

  private async repoDigest(imageId: string, reference: string): Promise<string | undefined> {
    try {
      const image = await this.docker.getImage(imageId).inspect();
      return digestFor(image.RepoDigests ?? [], reference);
    } catch {
      // The image may be gone while a container still uses it; the digest is optional.
      return undefined;
    }
  }
}

function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

function createOptions(config: ContainerConfig, networkMode: string | undefined): Docker.ContainerCreateOptions {
  const { resources, restartPolicy, healthcheck } = config;
  const portKey = (p: PortMapping): string => `${p.containerPort}/${p.protocol}`;
  const published = config.ports.filter((p) => p.hostPort !== undefined);
  return {
    name: config.name,
    Image: config.image,
    ...(config.command ? { Entrypoint: config.command } : {}),
    ...(config.args ? { Cmd: config.args } : {}),
    Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
    Labels: config.labels,
    Tty: config.tty,
    OpenStdin: config.openStdin,
    StdinOnce: false,
    ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
    ...(config.hostname ? { Hostname: config.hostname } : {}),
    ...(config.stopSignal ? { StopSignal: config.stopSignal } : {}),
    ...(config.stopTimeoutSeconds !== undefined ? { StopTimeout: config.stopTimeoutSeconds } : {}),
    ExposedPorts: Object.fromEntries(config.ports.map((p) => [portKey(p), {}])),
    ...(healthcheck
      ? {
          Healthcheck: {
            Test: ['CMD', ...healthcheck.command],
            Interval: healthcheck.intervalSeconds * SECOND_NS,
            Timeout: healthcheck.timeoutSeconds * SECOND_NS,
            Retries: healthcheck.retries,
            StartPeriod: healthcheck.startPeriodSeconds * SECOND_NS,
          },
        }
      : {}),
    ...userAndEndpoint(config),
    HostConfig: {
      ...hostOptions(config),
      ...networkModeOf(config, networkMode),
      Mounts: [
        ...config.mounts.map((m): Docker.MountSettings => ({
          Type: 'volume',
          Source: m.volume,
          Target: m.target,
          ReadOnly: m.readOnly,
        })),
        ...(config.hostMounts ?? []).map(hostMount),
      ],
      PortBindings: Object.fromEntries(
        published.map((p) => [portKey(p), [{ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) }]]),
      ),
      RestartPolicy: { Name: restartPolicy.name, MaximumRetryCount: restartPolicy.maximumRetryCount },
      LogConfig: { Type: config.log.type, Config: config.log.config },
      ...(resources.nanoCpus !== undefined ? { NanoCpus: resources.nanoCpus } : {}),
      ...(resources.memoryBytes !== undefined
        ? { Memory: resources.memoryBytes, MemorySwap: resources.memoryBytes }
        : {}),
    },
  };
}

type HostConfigOptions = Omit<Docker.HostConfig, 'Mounts'>;

function userAndEndpoint(config: ContainerConfig): Partial<Docker.ContainerCreateOptions> {
  const endpoint = config.endpoint;
  return {
    ...(config.user ? { User: config.user } : {}),
    ...(endpoint ? { NetworkingConfig: { EndpointsConfig: { [endpoint.name]: { Aliases: endpoint.aliases } } } } : {}),
  };
}

/** The resource's own network mode, else the backend's default, else none at all (Docker's bridge). */
function networkModeOf(config: ContainerConfig, fallback: string | undefined): { NetworkMode?: string } {
  const mode = config.networkMode ?? fallback;
  return mode ? { NetworkMode: mode } : {};
}

/** The HostConfig of issue 12's fields: only those the config sets, so older containers compare equal. */
function hostOptions(c: ContainerConfig): HostConfigOptions {
  const entries: [string, unknown][] = [
    ['Dns', c.dns],
    ['DnsSearch', c.dnsSearch],
    ['ExtraHosts', c.extraHosts],
    ['ReadonlyRootfs', trueOrUndefined(c.readOnlyRootfs)],
    ['CapAdd', c.capAdd],
    ['CapDrop', c.capDrop],
    ['Privileged', trueOrUndefined(c.privileged)],
    ['SecurityOpt', c.securityOpt],
    ['Init', trueOrUndefined(c.init)],
    ['ShmSize', c.shmSizeBytes],
    [
      'Devices',
      c.devices?.map((d) => ({
        PathOnHost: d.pathOnHost,
        PathInContainer: d.pathInContainer,
        CgroupPermissions: d.cgroupPermissions,
      })),
    ],
    [
      'DeviceRequests',
      c.deviceRequests?.map((r) => ({
        Driver: r.driver,
        Count: r.count,
        DeviceIDs: r.deviceIDs,
        Capabilities: r.capabilities,
        Options: {},
      })),
    ],
    ['Sysctls', c.sysctls],
    ['Ulimits', c.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }))],
    ['PidsLimit', c.pidsLimit],
    ['PidMode', c.pidMode],
    ['IpcMode', c.ipcMode],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

function trueOrUndefined(flag: boolean | undefined): true | undefined {
  return flag === true ? true : undefined;
}

function hostMount(m: HostMount): Docker.MountSettings {
  if (m.type === 'tmpfs') {
    return {
      Type: 'tmpfs',
      Source: '',
      Target: m.target,
      ReadOnly: m.readOnly,
      ...(m.sizeBytes !== undefined ? { TmpfsOptions: { SizeBytes: m.sizeBytes, Mode: 0o1777 } } : {}),
    };
  }
  return { Type: 'bind', Source: m.source ?? '', Target: m.target, ReadOnly: m.readOnly };
}

function observedFrom(info: Docker.ContainerInspectInfo, imageDigest: string | undefined): ObservedContainer {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image,
    ...(imageDigest ? { imageDigest } : {}),
    labels: info.Config.Labels ?? {},
    ...stateOf(info.State),
    ...healthcheckIntervalOf(info.Config.Healthcheck),
    restartCount: info.RestartCount,
    ...hostConfigOf(info.HostConfig),
    ports: portsOf(info),
    ...networksOf(info),
  };
}

function stateOf(
  state: Docker.ContainerInspectInfo['State'],
): Partial<ObservedContainer> & { state: ContainerRunState } {
  const health = state.Health?.Status;
  return {
    state: state.Status as ContainerRunState,
    exitCode: state.ExitCode,
    ...(isSet(state.StartedAt) ? { startedAt: state.StartedAt } : {}),
    ...(isSet(state.FinishedAt) ? { finishedAt: state.FinishedAt } : {}),
    ...(state.Error ? { error: state.Error } : {}),
    ...(health === 'starting' || health === 'healthy' || health === 'unhealthy' ? { health } : {}),
    ...lastProbeOf(state.Health?.Log),
    ...(state.OOMKilled ? { oomKilled: true } : {}),
  };
}

/** Docker's and Podman's default interval, which an Interval of 0 stands for. */
const DEFAULT_HEALTH_INTERVAL_MS = 30_000;

function healthcheckIntervalOf(
  hc: { Test?: string[]; Interval?: number } | undefined,
): Pick<ObservedContainer, 'healthcheckIntervalMs'> {
  if (!hc?.Test?.length || hc.Test[0] === 'NONE') return {};
  return { healthcheckIntervalMs: hc.Interval ? hc.Interval / 1e6 : DEFAULT_HEALTH_INTERVAL_MS };
}

interface HealthLogEntry {
  End?: string;
  ExitCode?: number;
  Output?: string;
}

function lastProbeOf(log: HealthLogEntry[] | undefined): Pick<ObservedContainer, 'lastProbe'> {
  const last = log?.at(-1);
  if (!last) return {};
  return { lastProbe: { exitCode: last.ExitCode ?? -1, output: last.Output ?? '', at: last.End ?? '' } };
}

function hostConfigOf(host: Docker.ContainerInspectInfo['HostConfig']): Partial<ObservedContainer> {
  const policy = { Name: 'no', MaximumRetryCount: 0, ...host.RestartPolicy };
  return {
    resources: {
      ...(host.NanoCpus ? { nanoCpus: host.NanoCpus } : {}),
      ...(host.Memory ? { memoryBytes: host.Memory } : {}),
    },
    restartPolicy: {
      name: (policy.Name || 'no') as RestartPolicyName,
      maximumRetryCount: policy.MaximumRetryCount,
    },
    // null, 0 and -1 all mean no limit.
    ...(host.PidsLimit && host.PidsLimit > 0 ? { pidsLimit: host.PidsLimit } : {}),
  };
}

/** The network mode and the attached networks; aliases without the short ID Docker adds to each. */
function networksOf(info: Docker.ContainerInspectInfo): Pick<ObservedContainer, 'networkMode' | 'networks'> {
  const short = info.Id.slice(0, 12);
  const attached = (info.NetworkSettings?.Networks ?? {}) as Record<string, { Aliases?: string[] | null }>;
  const networks = Object.fromEntries(
    Object.entries(attached).map(([name, n]) => [name, (n.Aliases ?? []).filter((a) => a !== short)]),
  );
  return { ...(info.HostConfig.NetworkMode ? { networkMode: info.HostConfig.NetworkMode } : {}), networks };
}

function portsOf(info: Docker.ContainerInspectInfo): PortMapping[] {
  const bindings = (info.HostConfig.PortBindings ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[]>;
  const keys = new Set([...Object.keys(info.Config.ExposedPorts ?? {}), ...Object.keys(bindings)]);
  return [...keys].sort().map((key) => {
    const [port = '0', protocol = 'tcp'] = key.split('/');
    const binding = bindings[key]?.[0];
    return {
      containerPort: Number(port),
      protocol: protocol as Protocol,
      ...(binding?.HostPort ? { hostPort: Number(binding.HostPort) } : {}),
      ...(binding?.HostIp ? { hostIP: binding.HostIp } : {}),
    };
  });
}

function progressOf(event: PullEvent, layers: Map<string, { current: number; total: number }>): PullProgress {
  const detail = event.progressDetail;
  if (event.id && detail?.total) layers.set(event.id, { current: detail.current ?? 0, total: detail.total });
  let current = 0;
  let total = 0;
  for (const l of layers.values()) {
    current += l.current;
    total += l.total;
  }
  return { status: event.status ?? '', ...(total ? { current, total } : {}) };
}

/**
 * A failure to trust the Docker host itself (TLS verification, SSH host key): a
 * misconfiguration no retry can fix, unlike a daemon that is down for a while.
 */
export function isTrustFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /certificate|self[- ]signed|Host denied|verification failed|host key/i.test(message);
}

/** Why a pull failed, from the HTTP status and the daemon's message (which has no structured code). */
export function pullFailure(status: number | undefined, message: string): PullFailure {
  if (status === 400 || /invalid reference format|must not be more than/i.test(message)) return 'InvalidReference';
  if (/no basic auth credentials|unauthorized|authentication required|access denied/i.test(message))
    return 'Unauthorized';
  if (status === 404 || /manifest unknown|not found/i.test(message)) return 'NotFound';
  if (/dial tcp|connection refused|no such host|i\/o timeout|network is unreachable|TLS|EOF/i.test(message))
    return 'Unreachable';
  return 'Failed';
}

/** Why a login failed: Docker answers 500 for both refusal and unreachable registries. */
export function authFailure(message: string): 'Unauthorized' | 'Unreachable' | 'Failed' {
  if (/unauthorized|incorrect username or password|access denied/i.test(message)) return 'Unauthorized';
  if (/dial tcp|connection refused|no such host|i\/o timeout|network is unreachable|TLS|EOF/i.test(message))
    return 'Unreachable';
  return 'Failed';
}

// Socket-level failures: the engine is not there (or not any more), whatever the request was.
const CONNECTION_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  return /socket hang up|connect ENOENT|connect ECONNREFUSED/.test(messageOf(err));
}

// What a user can act on, with the system's words kept in parentheses for a search.
const PLAIN_WORDS: [RegExp, string][] = [
  [/ENOENT/, 'its socket does not exist, so the daemon is not running'],
  [/ECONNREFUSED/, 'it refuses connections, so the daemon is not running'],
  [/ECONNRESET|EPIPE|socket hang up/, 'the connection was cut, the daemon stopped or restarted'],
  [/ETIMEDOUT|timed out|timeout/i, 'it did not answer in time'],
  [/EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND/, 'its host cannot be reached'],
  [/EACCES/, 'the operator may not open its socket (permissions)'],
];

export function inPlainWords(err: unknown): string {
  const raw = messageOf(err);
  const code = (err as { code?: string } | undefined)?.code ?? '';
  const plain = PLAIN_WORDS.find(([pattern]) => pattern.test(code) || pattern.test(raw))?.[1];
  return plain ? `${plain} (${raw})` : raw;
}

// What Docker 20.10 answers to changes while it shuts down (its network store is closed).
function isShuttingDown(err: unknown): boolean {
  return statusOf(err) === 500 && /failed to update store for object type|daemon is shutting down/.test(messageOf(err));
}

function isSet(time: string | undefined): time is string {
  return !!time && !time.startsWith('0001-01-01');
}

export function statusOf(err: unknown): number | undefined {
  return (err as DockerError | undefined)?.statusCode;
}

/** The daemon's own message, without dockerode's "(HTTP code 500) server error - " prefix. */
export function messageOf(err: unknown): string {
  const e = err as DockerError;
  const json = typeof e.json === 'object' ? e.json?.message : undefined;
  const raw = json ?? e.message ?? String(err);
  return raw.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

// What containerd says when a task or its state directory outlived the container's last run.
const STALE_TASK = /task [0-9a-f]{64}: already exists|failed to start shim: mkdir \S+\/[0-9a-f]{64}: file exists/;

/**
 * An error of dockerode as the operator's own: an engine that cannot be reached or is shutting
 * down (EngineUnavailableError, naming the endpoint), not found, conflict, a stale task, an
 * invalid config; anything else as it came.
 */
export function engineError(endpoint: string, err: unknown): Error {
  if (isShuttingDown(err)) return new EngineUnavailableError(endpoint, `it is shutting down (${messageOf(err)})`);
  if (isConnectionFailure(err)) return new EngineUnavailableError(endpoint, inPlainWords(err));
  return translate(err);
}

function translate(err: unknown): Error {
  const message = messageOf(err);
  const status = statusOf(err);
  if (status === 404) return new NotFoundError(message);
  if (status === 409) return new ConflictError(message);
  if (STALE_TASK.test(message)) return new StaleTaskError(message);
  if (status === 400) return new InvalidConfigError(message);
  return err instanceof Error ? err : new Error(message);
}

/** The repo digest of the repository the container was created from (`repo@sha256:...`). */
function digestFor(repoDigests: readonly string[], reference: string): string | undefined {
  const repo = repositoryOf(reference);
  return repoDigests.find((d) => d.startsWith(`${repo}@`));
}
