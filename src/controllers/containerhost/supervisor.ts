// Keeps the pool of engines in line with the ContainerHosts: one backend and one reflector per
// host, made when the host appears, made again when its endpoint or Secret changes, stopped when
// it goes. Runs on every replica (reflectors feed caches, they do not act); the ContainerHost
// controller, on the leader, writes what it finds into status.
//
// Invariants:
// - The name `local` is the operator's own DOCKER_HOST; a ContainerHost of that name is refused.
// - What went wrong connecting a host (no Secret, a bad endpoint) is kept by name for the status.
import type { Logger } from 'pino';
import type { ContainerHost } from '../../api/container-host.ts';
import type { ContainerBackend } from '../../backend/container-backend.ts';
import type { DockerBackendOptions } from '../../backend/docker-backend.ts';
import type { EngineHost, HostPool } from '../../backend/hosts.ts';
import type { Reflector } from '../../backend/reflector.ts';
import { errorMessage } from '../../runtime/errors.ts';
import { connectionOptions, ConnectionError, secretKeyOf, type SecretLookup } from './connection.ts';

export interface HostProblem {
  reason: 'SecretNotFound' | 'InvalidEndpoint' | 'NameReserved';
  message: string;
}

export interface SupervisorOptions {
  pool: HostPool;
  log: Logger;
  lookup: SecretLookup & { secretVersion: (key: string) => string | undefined };
  /** The name of the operator's own engine, which no ContainerHost may take. */
  reservedName: string;
  backendFor: (name: string, options: DockerBackendOptions) => ContainerBackend;
  reflectorFor: (name: string, backend: ContainerBackend) => Reflector;
}

interface Running {
  fingerprint: string;
  abort: AbortController;
  done?: Promise<void>;
}

export class HostSupervisor {
  private readonly o: SupervisorOptions;
  private readonly running = new Map<string, Running>();
  private readonly problems = new Map<string, HostProblem>();
  private signal: AbortSignal | undefined;

  constructor(options: SupervisorOptions) {
    this.o = options;
  }

  problem(name: string): HostProblem | undefined {
    return this.problems.get(name);
  }

  /** The hosts whose Secret is `secretKey` ("namespace/name"). */
  usersOf(secretKey: string, hosts: ContainerHost[]): string[] {
    return hosts
      .filter((h) => secretKeyOf(h, this.o.lookup.defaultNamespace) === secretKey)
      .map((h) => h.metadata.name);
  }

  /** Brings the pool in line with one ContainerHost (undefined: deleted). */
  sync(name: string, ch: ContainerHost | undefined): void {
    if (!ch || ch.metadata.deletionTimestamp) {
      void this.stop(name);
      this.problems.delete(name);
      return;
    }
    if (name === this.o.reservedName) {
      this.problems.set(name, {
        reason: 'NameReserved',
        message: `${name} is the operator's own DOCKER_HOST; give this ContainerHost another name`,
      });
      return;
    }
    const fingerprint = this.fingerprintOf(ch);
    if (this.running.get(name)?.fingerprint === fingerprint) return;
    void this.stop(name);
    let backend: ContainerBackend;
    try {
      backend = this.o.backendFor(name, connectionOptions(ch, this.o.lookup));
    } catch (err) {
      const reason = err instanceof ConnectionError ? err.reason : 'InvalidEndpoint';
      this.problems.set(name, { reason, message: errorMessage(err) });
      this.o.log.warn({ host: name, reason }, 'ContainerHost cannot be connected');
      return;
    }
    this.problems.delete(name);
    const host: EngineHost = { name, backend, reflector: this.o.reflectorFor(name, backend) };
    const running: Running = { fingerprint, abort: new AbortController() };
    this.running.set(name, running);
    this.o.pool.add(host);
    if (this.signal) this.start(host, running);
    this.o.log.info({ host: name, endpoint: ch.spec.endpoint }, 'ContainerHost added');
  }

  /** Runs the reflectors until the signal aborts (a manager runnable). */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    for (const [name, running] of this.running) {
      const host = this.o.pool.get(name);
      if (host && !running.done) this.start(host, running);
    }
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }

  private start(host: EngineHost, running: Running): void {
    const signal = AbortSignal.any([running.abort.signal, this.signal!]);
    running.done = host.reflector.run(signal).catch((err: unknown) => {
      this.o.log.error({ host: host.name, err: errorMessage(err) }, 'reflector stopped');
    });
  }

  private async stop(name: string): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    this.running.delete(name);
    running.abort.abort();
    this.o.pool.remove(name);
    await running.done;
  }

  /** What, when changed, needs a new connection: the endpoint and the Secret's version. */
  private fingerprintOf(ch: ContainerHost): string {
    const secret = secretKeyOf(ch, this.o.lookup.defaultNamespace);
    const version = secret === undefined ? '' : (this.o.lookup.secretVersion(secret) ?? 'missing');
    return `${ch.spec.endpoint}|${secret ?? ''}|${version}`;
  }
}
