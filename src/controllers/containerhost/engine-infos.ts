// What each host's engine said it is and has (EngineInfo: /version and /info), kept between
// reconciles. A ContainerHost is reconciled each time a NativeContainer placed on it changes; that
// only changes what is allocated there, so the engine is asked again only once a heartbeat has
// passed, after its reflector found or lost the engine (forget), or when the host was connected
// anew (another EngineHost under the same name). A failed question keeps nothing.
import type { EngineInfo } from '../../backend/container-backend.ts';
import type { EngineHost } from '../../backend/hosts.ts';

export interface Answer {
  info: EngineInfo;
  /** When the engine gave it (ms since the epoch). */
  at: number;
}

export class EngineInfos {
  private readonly maxAgeMs: number;
  private readonly kept = new Map<string, { host: EngineHost; answer: Answer }>();
  /** How many forgets there were: an answer to a question asked before one is not kept. */
  private forgets = 0;

  constructor(maxAgeMs: number) {
    this.maxAgeMs = maxAgeMs;
  }

  /** The host's EngineInfo, asked now or kept from an answer younger than maxAgeMs; throws as engineInfo does. */
  async of(host: EngineHost, now: number): Promise<Answer> {
    const kept = this.kept.get(host.name);
    if (kept?.host === host && now - kept.answer.at < this.maxAgeMs) return kept.answer;
    this.kept.delete(host.name);
    const forgets = this.forgets;
    const answer = { info: await host.backend.engineInfo(), at: now };
    if (this.forgets === forgets) this.kept.set(host.name, { host, answer });
    return answer;
  }

  /** The next `of` asks the engine (its reflector found or lost it, or the host is gone). */
  forget(name: string): void {
    this.kept.delete(name);
    this.forgets++;
  }
}
