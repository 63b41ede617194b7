// What the subresource API (src/apiserver/) needs of the NativeContainer controller, on any
// replica: the container that stands for a resource, the plan the operator would carry out for a
// proposed spec (gathered and planned exactly as a reconcile does, and not executed), and a push
// with a ContainerSecret's credentials.
import type { NativeContainer } from '../../api/native-container.ts';
import { SUBRESOURCE_API, type PlanResult } from '../../api/subresources.ts';
import type { ContainerAccess } from '../../backend/container-access.ts';
import type { HostPool } from '../../backend/hosts.ts';
import type { ImageBuilder } from '../../backend/image-builder.ts';
import { Expectations } from './expectations.ts';
import { gather, seen } from './gather.ts';
import { formatOperation, isRebuild, plan, type Operation } from './plan.ts';
import { credentialsForImage, type ReferenceLookup } from './references.ts';

/** The container of a resource on its host, if the host's cache has one and the host can be reached. */
export function containerOf(
  nc: NativeContainer,
  hosts: HostPool,
  access: (host: string) => ContainerAccess | undefined,
): { host: string; access: ContainerAccess; id: string } | undefined {
  const s = seen(nc, hosts);
  const engine = access(s.host.name);
  if (!s.container || !engine) return undefined;
  return { host: s.host.name, access: engine, id: s.container.id };
}

/** The plan for `proposed` (the resource with the spec a user would apply), as the operator prints it. */
export async function previewPlan(
  proposed: NativeContainer,
  deps: { refs: ReferenceLookup; hosts: HostPool },
  now: Date,
): Promise<PlanResult> {
  const result = (operations: string[], effect: string, problem?: string): PlanResult => ({
    kind: 'PlanResult',
    apiVersion: SUBRESOURCE_API,
    operations,
    effect,
    ...(problem ? { problem } : {}),
  });
  // Fresh expectations: a preview never waits for the cache, it shows what the next plan would be.
  const g = await gather(proposed, { ...deps, expectations: new Expectations() });
  if (g.kind !== 'observed') {
    const problem = g.kind === 'problem' ? `${g.problem.reason}: ${g.problem.message}` : 'waiting for the cache';
    return result([], 'blocked', problem);
  }
  const ops = plan({ desired: g.desired, observed: g.observed, deleting: false, memory: g.memory, now });
  return result(ops.map(formatOperation), effectOf(ops));
}

function effectOf(ops: Operation[]): string {
  if (ops.length === 0) return 'none';
  if (ops.some((o) => o.type === 'Blocked')) return 'blocked';
  if (isRebuild(ops) || ops.some((o) => o.type === 'Create')) return 'rebuild';
  if (ops.every((o) => o.type === 'Update')) return 'in place';
  return 'change';
}

/**
 * Pushes `image` with the credentials of a ContainerSecret of the namespace; returns the digest.
 * Credentials go only to the registry the ContainerSecret is for.
 */
export async function pushWith(
  image: string,
  namespace: string,
  secretName: string,
  refs: ReferenceLookup,
  builder: ImageBuilder,
): Promise<string | undefined> {
  const auth = credentialsForImage(secretName, namespace, image, refs);
  let digest: string | undefined;
  let failure: string | undefined;
  await builder.push(
    image,
    auth,
    (m) => {
      if (m.error) failure = m.errorDetail?.message ?? m.error;
      if (m.aux?.Digest) digest = m.aux.Digest;
    },
    AbortSignal.timeout(600_000),
  );
  if (failure !== undefined) throw new Error(`push of ${image} failed: ${failure}`);
  return digest;
}
