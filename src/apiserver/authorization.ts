// Delegated authorization: one SubjectAccessReview per request (the user, the verb, the
// subresource of the named NativeContainer), answered by the kube-apiserver's authorizers (RBAC).
// Answers are kept for a few seconds, as the generic API server's delegating authorizer does, so a
// burst of requests (a log follow reconnecting, cp of many files) costs one review.
import { SUBRESOURCE_GROUP, SUBRESOURCE_VERSION } from '../api/subresources.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import type { UserInfo } from './authentication.ts';

export interface Attributes {
  namespace: string;
  name: string;
  verb: string;
  subresource: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const TTL_MS = 10_000;
const MAX_CACHED = 1024;

export class Authorizer {
  private readonly cache = new Map<string, { decision: Decision; at: number }>();

  private readonly client: KubeClient;
  private readonly now: () => number;

  constructor(client: KubeClient, now: () => number = Date.now) {
    this.client = client;
    this.now = now;
  }

  async authorize(user: UserInfo, a: Attributes): Promise<Decision> {
    const spec = {
      user: user.username,
      groups: user.groups,
      extra: user.extra,
      resourceAttributes: {
        namespace: a.namespace,
        verb: a.verb,
        group: SUBRESOURCE_GROUP,
        version: SUBRESOURCE_VERSION,
        resource: 'nativecontainers',
        subresource: a.subresource,
        name: a.name,
      },
    };
    const key = JSON.stringify(spec);
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < TTL_MS) return hit.decision;
    const review = await this.client.create<{ status?: { allowed?: boolean; reason?: string } }>(
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
    );
    const decision = { allowed: review.status?.allowed === true, reason: review.status?.reason ?? '' };
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { decision, at: this.now() });
    return decision;
  }
}
