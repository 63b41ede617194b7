// An in-memory ContainerBackend: a model of the Docker Engine API good enough to run the real
// reflector and executor against, for the middle tier of tests (a plan applied to it, observed
// again, must leave nothing to do). It keeps Docker's rules where plans depend on them: names are
// unique, a paused container must be unpaused before it is stopped, start and stop of a container
// already in that state change nothing, remove is forced, and every change is an event.
import { parseImageReference, withDigest } from '../api/image-reference.ts';
import { joinsNoNetwork } from '../api/network-modes.ts';
import {
  ConflictError,
  EngineUnavailableError,
  ImagePullError,
  InvalidConfigError,
  NotFoundError,
  type ContainerBackend,
  type ContainerConfig,
  type ContainerSummary,
  type ContainerUpdate,
  type EngineEvent,
  type EngineInfo,
  type ImageSummary,
  type NetworkOptions,
  type ObservedContainer,
  type ObservedVolume,
  type PullProgress,
  type RegistryAuth,
} from './container-backend.ts';

export interface MemoryBackendOptions {
  /** Engine clock, in milliseconds. */
  now?: () => number;
  images?: string[];
  /** CPUs of the host: like Docker, a create or update asking for more is refused. Undefined: no limit. */
  cpus?: number;
  /**
   * The programs the images hold: like Docker, a start of a container whose command is not one
   * of them is refused (a 400). Undefined: every command runs.
   */
  programs?: string[];
}

type EventListener = (e: EngineEvent) => void;

export class MemoryBackend implements ContainerBackend {
  readonly endpoint = 'memory://engine';
  readonly containers = new Map<string, ObservedContainer>();
  readonly volumes = new Map<string, ObservedVolume>();
  readonly imageNames = new Set<string>();
  /** Networks by name: their labels and options. */
  readonly networks = new Map<string, { labels: Record<string, string>; options: NetworkOptions }>();
  /** A registry: tag reference -> the digest (sha256:...) it has there now. */
  readonly registry = new Map<string, string>();
  /** Local image name -> the registry digest it was pulled at. */
  private readonly digests = new Map<string, string>();
  /** The containers runHealthcheck was asked to check, in order. */
  readonly healthchecksRun: string[] = [];
  /** Every call, by method name, for tests that count them. */
  readonly calls: string[] = [];
  /** While true, every call fails as an engine that does not answer. */
  down = false;
  /**
   * While true, new connections are refused but calls on open ones are answered: an engine that
   * is shutting down (it closes its listener first, then stops its containers).
   */
  refusingNewConnections = false;
  private readonly listeners = new Set<EventListener>();
  private readonly closers = new Set<() => void>();
  /** Volumes each container mounts: Docker refuses to remove a volume a container still uses. */
  private readonly mounts = new Map<string, string[]>();
  private readonly now: () => number;
  private readonly cpus: number | undefined;
  private readonly programs: Set<string> | undefined;
  /** The program each container runs, when its config names one. */
  private readonly commands = new Map<string, string>();
  private nextId = 1;

  constructor(options: MemoryBackendOptions = {}) {
    this.now = options.now ?? Date.now;
    this.cpus = options.cpus;
    this.programs = options.programs && new Set(options.programs);
    for (const image of options.images ?? []) this.imageNames.add(image);
  }

  /** Puts a container in place as a test fixture (no event). */
  seed(container: ObservedContainer): void {
    this.containers.set(container.id, structuredClone(container));
  }

  /** What engineInfo answers; tests set the machine's size. */
  info: EngineInfo = { engine: 'Docker', version: '20.10.24', apiVersion: '1.41', cpus: 4, memoryBytes: 8 * 1024 ** 3 };

  async engineInfo(): Promise<EngineInfo> {
    this.enter('engineInfo');
    return Promise.resolve({ ...this.info });
  }

  /** The engine in `info`: a test sets it to Podman to model Podman 4.3. */
  async engineKind(): Promise<EngineInfo['engine']> {
    this.enter('engineKind');
    return Promise.resolve(this.info.engine);
  }

  async ping(options: { fresh?: boolean } = {}): Promise<void> {
    this.enter('ping');
    if (options.fresh && this.refusingNewConnections) {
      throw new EngineUnavailableError(this.endpoint, `connect ENOENT ${this.endpoint}`);
    }
    return Promise.resolve();
  }

  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    this.enter('list');
    return Promise.resolve(
      [...this.containers.values()]
        .filter((c) => matches(c.labels, labels))
        .map((c) => ({ id: c.id, name: c.name, labels: { ...c.labels }, state: c.state })),
    );
  }

  async inspect(id: string): Promise<ObservedContainer | undefined> {
    this.enter('inspect');
    const c = this.containers.get(id);
    return Promise.resolve(c && structuredClone(c));
  }

  async images(): Promise<ImageSummary[]> {
    this.enter('images');
    return Promise.resolve([...this.imageNames].map((name) => ({ id: name, repoTags: [name], repoDigests: [] })));
  }

  async imagePresent(image: string): Promise<boolean> {
    this.enter('imagePresent');
    return Promise.resolve(this.imageNames.has(image));
  }

  async pull(image: string, onProgress: (p: PullProgress) => void, _auth?: RegistryAuth): Promise<void> {
    this.enter('pull');
    onProgress({ status: 'Downloading', current: 1, total: 1 });
    this.imageNames.add(image);
    const digest = parseImageReference(image).digest ?? this.registry.get(image);
    if (digest) this.digests.set(image, digest);
    this.emit('image', 'pull', image, {});
    return Promise.resolve();
  }

  async registryDigest(image: string, _auth?: RegistryAuth): Promise<string> {
    this.enter('registryDigest');
    const digest = this.registry.get(image);
    if (!digest) throw new ImagePullError('NotFound', image, `manifest unknown: ${image}`);
    return Promise.resolve(digest);
  }

  async checkAuth(_auth: RegistryAuth): Promise<void> {
    this.enter('checkAuth');
    return Promise.resolve();
  }

  async create(config: ContainerConfig): Promise<string> {
    this.enter('create');
    if (!this.imageNames.has(config.image)) throw new NotFoundError(`No such image: ${config.image}`);
    if (this.byName(config.name)) throw new ConflictError(`The container name "/${config.name}" is already in use`);
    this.checkCpus(config.resources.nanoCpus);
    const id = (this.nextId++).toString(16).padStart(64, '0');
    const digest = this.digests.get(config.image);
    const c: ObservedContainer = {
      id,
      name: config.name,
      image: config.image,
      imageId: `sha256:${config.image}`,
      ...(digest ? { imageDigest: withDigest(config.image, digest) } : {}),
      labels: { ...config.labels },
      state: 'created',
      exitCode: 0,
      restartCount: 0,
      resources: { ...config.resources },
      restartPolicy: { ...config.restartPolicy },
      ports: config.ports.map((p) => ({ ...p })),
      ...(config.healthcheck
        ? { health: 'starting' as const, healthcheckIntervalMs: config.healthcheck.intervalSeconds * 1000 }
        : {}),
      networkMode: config.networkMode ?? 'default',
      networks: networksAtCreate(config),
      ...(config.pidsLimit !== undefined ? { pidsLimit: config.pidsLimit } : {}),
    };
    if (config.endpoint && !this.networks.has(config.endpoint.name)) {
      throw new NotFoundError(`network ${config.endpoint.name} not found`);
    }
    this.containers.set(id, c);
    if (config.command?.[0] !== undefined) this.commands.set(id, config.command[0]);
    this.mounts.set(
      id,
      config.mounts.map((m) => m.volume),
    );
    this.emit('container', 'create', id, c.labels);
    return Promise.resolve(id);
  }

  async start(id: string): Promise<void> {
    const c = this.must('start', id);
    if (c.state === 'running') return Promise.resolve(); // 304
    if (c.state === 'paused') throw new ConflictError('cannot start a paused container, try unpause instead');
    this.checkProgram(id);
    this.run(c);
    return Promise.resolve();
  }

  async stop(id: string, _timeoutSeconds?: number): Promise<void> {
    const c = this.must('stop', id);
    if (c.state === 'paused') throw new ConflictError('cannot stop a paused container');
    if (c.state !== 'running' && c.state !== 'restarting') return Promise.resolve(); // 304
    this.exit(c, 0);
    return Promise.resolve();
  }

  async restart(id: string, _timeoutSeconds?: number): Promise<void> {
    const c = this.must('restart', id);
    if (c.state === 'running') this.exit(c, 0);
    this.run(c);
    return Promise.resolve();
  }

  async pause(id: string): Promise<void> {
    const c = this.must('pause', id);
    if (c.state !== 'running') throw new ConflictError(`container ${id} is not running`);
    c.state = 'paused';
    this.emit('container', 'pause', id, c.labels);
    return Promise.resolve();
  }

  async unpause(id: string): Promise<void> {
    const c = this.must('unpause', id);
    if (c.state !== 'paused') throw new ConflictError(`container ${id} is not paused`);
    c.state = 'running';
    this.emit('container', 'unpause', id, c.labels);
    return Promise.resolve();
  }

  async update(id: string, update: ContainerUpdate): Promise<void> {
    const c = this.must('update', id);
    this.checkCpus(update.resources?.nanoCpus);
    if (update.resources) c.resources = { ...c.resources, ...update.resources };
    if (update.restartPolicy) c.restartPolicy = { ...update.restartPolicy };
    if (update.pidsLimit !== undefined) c.pidsLimit = update.pidsLimit;
    this.emit('container', 'update', id, c.labels);
    return Promise.resolve();
  }

  async rename(id: string, name: string): Promise<void> {
    const c = this.must('rename', id);
    const other = this.byName(name);
    if (other && other.id !== id) throw new ConflictError(`The container name "/${name}" is already in use`);
    c.name = name;
    this.emit('container', 'rename', id, { ...c.labels, name });
    return Promise.resolve();
  }

  async remove(id: string): Promise<void> {
    this.enter('remove');
    const c = this.containers.get(id);
    if (!c) return Promise.resolve();
    if (c.state === 'running' || c.state === 'paused') this.exit(c, 137);
    this.containers.delete(id);
    this.mounts.delete(id);
    this.commands.delete(id);
    this.emit('container', 'destroy', id, c.labels);
    return Promise.resolve();
  }

  async listVolumes(labels: Record<string, string>): Promise<ObservedVolume[]> {
    this.enter('listVolumes');
    return Promise.resolve([...this.volumes.values()].filter((v) => matches(v.labels, labels)).map((v) => ({ ...v })));
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    this.enter('createVolume');
    if (!this.volumes.has(name)) {
      this.volumes.set(name, { name, labels: { ...labels } });
      this.emit('volume', 'create', name, { driver: 'local' });
    }
    return Promise.resolve();
  }

  async removeVolume(name: string): Promise<void> {
    this.enter('removeVolume');
    const inUse = [...this.mounts.values()].some((volumes) => volumes.includes(name));
    if (inUse) throw new ConflictError(`volume ${name} is in use`);
    if (this.volumes.delete(name)) this.emit('volume', 'destroy', name, { driver: 'local' });
    return Promise.resolve();
  }

  async createNetwork(name: string, options: NetworkOptions, labels: Record<string, string>): Promise<void> {
    this.enter('createNetwork');
    if (!this.networks.has(name)) {
      this.networks.set(name, { labels: { ...labels }, options: { ...options } });
      this.emit('network', 'create', name, { name });
    }
    return Promise.resolve();
  }

  async removeNetwork(name: string, labels: Record<string, string>): Promise<void> {
    this.enter('removeNetwork');
    const n = this.networks.get(name);
    if (!n || !matches(n.labels, labels)) return Promise.resolve();
    if ([...this.containers.values()].some((c) => c.networks?.[name] !== undefined)) return Promise.resolve();
    this.networks.delete(name);
    this.emit('network', 'destroy', name, { name });
    return Promise.resolve();
  }

  /** Recorded only: tests set a container's health themselves. */
  async runHealthcheck(id: string): Promise<void> {
    this.enter('runHealthcheck');
    this.healthchecksRun.push(id);
    return Promise.resolve();
  }

  async connect(id: string, network: string, aliases: string[]): Promise<void> {
    const c = this.must('connect', id);
    if (!this.networks.has(network)) throw new NotFoundError(`network ${network} not found`);
    if (c.networkMode !== undefined && joinsNoNetwork(c.networkMode)) {
      throw new InvalidConfigError(
        'container sharing network namespace with another container or host cannot be connected to any other network',
      );
    }
    if (c.networks?.[network] !== undefined)
      throw new ConflictError(`endpoint with name ${c.name} already exists in network ${network}`);
    c.networks = { ...c.networks, [network]: [...aliases] };
    this.emit('network', 'connect', network, { container: id, name: network });
    return Promise.resolve();
  }

  async disconnect(id: string, network: string): Promise<void> {
    const c = this.must('disconnect', id);
    if (c.networks?.[network] === undefined) return Promise.resolve();
    const rest = { ...c.networks };
    delete rest[network];
    c.networks = rest;
    this.emit('network', 'disconnect', network, { container: id, name: network });
    return Promise.resolve();
  }

  async events(onEvent: (e: EngineEvent) => void, signal: AbortSignal, connected: () => void): Promise<void> {
    this.enter('events');
    if (this.refusingNewConnections) throw new EngineUnavailableError(this.endpoint, `connect ENOENT ${this.endpoint}`);
    this.listeners.add(onEvent);
    connected();
    await new Promise<void>((resolve) => {
      const end = (): void => {
        this.listeners.delete(onEvent);
        resolve();
      };
      signal.addEventListener('abort', end, { once: true });
      this.closers.add(end);
    });
  }

  /** Ends every event stream, as an engine going away does. */
  closeStreams(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
  }

  /** The container exits by itself (a crash, a job finishing), as Docker reports it. */
  exitByItself(id: string, code: number): void {
    const c = this.containers.get(id);
    if (c) this.exit(c, code);
  }

  private exit(c: ObservedContainer, code: number): void {
    c.state = 'exited';
    c.exitCode = code;
    c.finishedAt = new Date(this.now()).toISOString();
    this.emit('container', 'die', c.id, { ...c.labels, exitCode: String(code) });
  }

  /**
   * A start through the API, as Docker does it: the healthcheck starts over, and the count of
   * restarts under the restart policy is reset.
   */
  private run(c: ObservedContainer): void {
    c.state = 'running';
    c.startedAt = new Date(this.now()).toISOString();
    c.restartCount = 0;
    if (c.health) c.health = 'starting';
    delete c.lastProbe;
    this.emit('container', 'start', c.id, c.labels);
  }

  /** Docker's refusal of a program that is not in the image, with its message. */
  private checkProgram(id: string): void {
    const program = this.commands.get(id);
    if (!this.programs || program === undefined || this.programs.has(program)) return;
    throw new InvalidConfigError(
      `OCI runtime create failed: exec: "${program}": stat ${program}: no such file or directory: unknown`,
    );
  }

  /** Docker's check of NanoCpus against the host's CPUs, with its message (a 400). */
  private checkCpus(nanoCpus: number | undefined): void {
    if (this.cpus === undefined || nanoCpus === undefined || nanoCpus <= this.cpus * 1e9) return;
    const n = this.cpus.toFixed(2);
    throw new InvalidConfigError(`Range of CPUs is from 0.01 to ${n}, as there are only ${this.cpus} CPUs available`);
  }

  private must(method: string, id: string): ObservedContainer {
    this.enter(method);
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError(`No such container: ${id}`);
    return c;
  }

  private byName(name: string): ObservedContainer | undefined {
    return [...this.containers.values()].find((c) => c.name === name);
  }

  private enter(method: string): void {
    this.calls.push(method);
    if (this.down) throw new EngineUnavailableError(this.endpoint, `connect ECONNREFUSED ${this.endpoint}`);
  }

  private emit(type: EngineEvent['type'], action: string, id: string, attributes: Record<string, string>): void {
    const event: EngineEvent = { type, action, id, attributes: { ...attributes }, timeMs: this.now() };
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** The networks Docker attaches at create: the endpoint given, else the network the mode names. */
function networksAtCreate(config: ContainerConfig): Record<string, string[]> {
  if (config.endpoint) return { [config.endpoint.name]: [...config.endpoint.aliases] };
  const mode = config.networkMode ?? 'default';
  if (joinsNoNetwork(mode)) return {};
  return { [mode === 'default' ? 'bridge' : mode]: [] };
}

function matches(have: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}
