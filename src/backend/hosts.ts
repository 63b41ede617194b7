// The engines the operator manages, by host name: each with its backend and its reflector.
import type { ContainerBackend } from './container-backend.ts';
import type { Reflector } from './reflector.ts';

export interface EngineHost {
  name: string;
  backend: ContainerBackend;
  reflector: Reflector;
}

export class HostPool {
  private readonly hosts = new Map<string, EngineHost>();

  add(host: EngineHost): void {
    this.hosts.set(host.name, host);
  }

  get(name: string): EngineHost | undefined {
    return this.hosts.get(name);
  }

  all(): EngineHost[] {
    return [...this.hosts.values()];
  }
}
