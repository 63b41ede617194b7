// Following a tag's digest and rolling back a bad update (pure). spec.imageUpdate asks the
// operator to look up the tag's digest in its registry (Notify), to move onto it (Apply), and to
// watch every update of the image: the new container must be healthy, or keep running without a
// healthcheck, within healthDeadlineSeconds, or the previous digest runs again. A rollback stays
// in force until the tag moves again, spec.image changes or a rebuild is requested, so the same
// bad digest is never tried twice by itself.
//
// Digests are compared by their sha256 part: the registry answers `sha256:...`, Docker's
// RepoDigests say `repo@sha256:...`, and a Docker Hub image has several spellings of its repo.
import type {
  ImageChange,
  ImageHistoryEntry,
  ImageUpdatePolicy,
  NativeContainerSpec,
  NativeContainerStatus,
  PendingUpdate,
  Rollback,
} from '../../api/native-container.ts';
import { withDigest } from '../../api/image-reference.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';

export const HISTORY_LENGTH = 5;
const DEFAULT_INTERVAL_SECONDS = 300;
const DEFAULT_DEADLINE_SECONDS = 120;

/** The sha256:... part of `repo@sha256:...`, `repo:tag@sha256:...` or `sha256:...`. */
export function digestOf(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const at = ref.lastIndexOf('@');
  return at < 0 ? (ref.startsWith('sha256:') ? ref : undefined) : ref.slice(at + 1);
}

export function sameDigest(a: string | undefined, b: string | undefined): boolean {
  const da = digestOf(a);
  return da !== undefined && da === digestOf(b);
}

export function updatePolicy(spec: NativeContainerSpec): ImageUpdatePolicy {
  return spec.imageUpdate?.policy ?? 'Never';
}

export function pinnedByDigest(image: string): boolean {
  return image.includes('@');
}

/**
 * The registry is asked for the tag's digest: Notify or Apply, and a tag rather than a digest.
 * With imageFrom the ImageBuild decides the digest; imageUpdate then only watches and rolls back.
 */
export function checksRegistry(spec: NativeContainerSpec): spec is NativeContainerSpec & { image: string } {
  if (spec.image === undefined || spec.imageFrom !== undefined) return false;
  return updatePolicy(spec) !== 'Never' && !pinnedByDigest(spec.image);
}

export function checkIntervalMs(spec: NativeContainerSpec): number {
  return (spec.imageUpdate?.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000;
}

function deadlineMs(spec: NativeContainerSpec): number {
  return (spec.imageUpdate?.healthDeadlineSeconds ?? DEFAULT_DEADLINE_SECONDS) * 1000;
}

/**
 * When the registry should next be asked; undefined when it is never asked. At once when the
 * last answer was for another spec.image; a check that failed (no answer yet) waits its interval
 * like any other, so a registry that refuses is not asked again on every pass.
 */
export function nextCheckMs(spec: NativeContainerSpec, status: NativeContainerStatus | undefined): number | undefined {
  if (!checksRegistry(spec)) return undefined;
  const last = status?.lastUpdateCheck;
  const forThisImage = status?.latestDigest === undefined || latestFor(spec, status) !== undefined;
  return last && forThisImage ? Date.parse(last) + checkIntervalMs(spec) : 0;
}

/** status.latestDigest (`image@sha256:...`) when it was looked up for the current spec.image. */
export function latestFor(spec: NativeContainerSpec, status: NativeContainerStatus | undefined): string | undefined {
  const latest = status?.latestDigest;
  return spec.image !== undefined && latest?.startsWith(`${spec.image}@`) ? latest : undefined;
}

/** The value of status.latestDigest for a registry answer. */
export function latestDigestValue(image: string, digest: string): string {
  return `${image}@${digest}`;
}

/** A rollback is in force until the tag moves again, spec.image changes or a rebuild is requested. */
export function rollbackActive(spec: NativeContainerSpec, status: NativeContainerStatus | undefined): boolean {
  const r = status?.rollback;
  if (!r || !spec.imageUpdate) return false;
  if (r.specImage !== spec.image) return false;
  if ((r.rebuildRequest ?? '') !== (spec.rebuildRequest ?? '')) return false;
  const latest = latestFor(spec, status);
  return !(checksRegistry(spec) && latest !== undefined && !sameDigest(latest, r.from));
}

/**
 * The image to run instead of spec.image, by digest: the previous one under a rollback, the
 * tag's latest digest under Apply. Undefined: spec.image as written.
 */
export function targetImage(
  spec: NativeContainerSpec,
  status: NativeContainerStatus | undefined,
): { image: string; cause: string } | undefined {
  if (rollbackActive(spec, status)) {
    const r = status!.rollback!;
    return { image: r.to, cause: `rolled back from ${digestOf(r.from)}` };
  }
  const latest = latestFor(spec, status);
  if (updatePolicy(spec) === 'Apply' && checksRegistry(spec) && latest) {
    return {
      image: withDigest(spec.image, digestOf(latest)!),
      cause: `update: ${spec.image} is now ${digestOf(latest)}`,
    };
  }
  return undefined;
}

/** The digest history and the update under watch, after seeing the container run `c.imageDigest`. */
export function observeImage(
  spec: NativeContainerSpec,
  status: NativeContainerStatus | undefined,
  c: ObservedContainer,
  now: Date,
): Pick<NativeContainerStatus, 'imageHistory' | 'pendingUpdate'> {
  const history = status?.imageHistory ?? [];
  const running = c.imageDigest;
  const previous = history[0];
  if (!running || (previous && sameDigest(previous.image, running))) {
    return {
      ...(history.length > 0 ? { imageHistory: history } : {}),
      ...(status?.pendingUpdate ? { pendingUpdate: status.pendingUpdate } : {}),
    };
  }
  const reason = changeReason(spec, status, c, previous);
  const entry = { image: running, at: now.toISOString(), reason, ...(spec.image ? { specImage: spec.image } : {}) };
  const imageHistory = [entry, ...history].slice(0, HISTORY_LENGTH);
  if (!previous || !watched(spec, reason)) return { imageHistory };
  return { imageHistory, pendingUpdate: { image: running, previous: previous.image, since: now.toISOString() } };
}

/** An update is watched when imageUpdate asks for it and the container is meant to run. */
function watched(spec: NativeContainerSpec, reason: ImageChange): boolean {
  const update = reason === 'UpdateApplied' || reason === 'ImageChanged';
  return update && spec.imageUpdate !== undefined && (spec.state ?? 'Running') === 'Running';
}

/**
 * Why the container runs another digest: a rollback; a new spec.image (even when Apply pinned
 * its digest); an update, which creates the container by digest; else a change of the spec or a
 * rebuild that found the tag moved.
 */
function changeReason(
  spec: NativeContainerSpec,
  status: NativeContainerStatus | undefined,
  c: ObservedContainer,
  previous: ImageHistoryEntry | undefined,
): ImageChange {
  if (!previous) return 'Created';
  if (rollbackActive(spec, status) && sameDigest(status?.rollback?.to, c.imageDigest)) return 'RolledBack';
  if (previous.specImage !== undefined && previous.specImage !== spec.image) return 'ImageChanged';
  const byDigest = pinnedByDigest(c.image) && checksRegistry(spec);
  return byDigest && updatePolicy(spec) === 'Apply' ? 'UpdateApplied' : 'ImageChanged';
}

export type UpdateJudgement =
  | { kind: 'none' }
  /** Not judged any more (no imageUpdate, not desired Running, another container): forget it. */
  | { kind: 'drop' }
  | { kind: 'verified' }
  | { kind: 'wait'; dueMs: number }
  | { kind: 'rollback'; rollback: Rollback };

/** Whether the update under watch proved itself, failed, or still has time. */
export function judgeUpdate(
  spec: NativeContainerSpec,
  status: NativeContainerStatus | undefined,
  c: ObservedContainer | undefined,
  now: Date,
): UpdateJudgement {
  const p = status?.pendingUpdate;
  if (!p) return { kind: 'none' };
  if (!spec.imageUpdate || (spec.state ?? 'Running') !== 'Running') return { kind: 'drop' };
  if (!c) return { kind: 'none' };
  if (!sameDigest(c.imageDigest, p.image)) return { kind: 'drop' };
  const dueMs = Date.parse(p.since) + deadlineMs(spec);
  if (provedItself(spec, c, p, now.getTime() >= dueMs)) return { kind: 'verified' };
  if (now.getTime() < dueMs) return { kind: 'wait', dueMs };
  return { kind: 'rollback', rollback: rollbackOf(spec, c, p, now) };
}

/** Healthy (with a healthcheck), or still running at the deadline without a restart (without one). */
function provedItself(spec: NativeContainerSpec, c: ObservedContainer, p: PendingUpdate, deadline: boolean): boolean {
  if (spec.healthcheck) return c.state === 'running' && c.health === 'healthy';
  return deadline && keptRunning(c, p);
}

function rollbackOf(spec: NativeContainerSpec, c: ObservedContainer, p: PendingUpdate, now: Date): Rollback {
  const seconds = deadlineMs(spec) / 1000;
  const health = c.health ? `, ${c.health}` : '';
  const restarts = c.restartCount ? `, restarted ${c.restartCount} times` : '';
  const what = spec.healthcheck
    ? `was not healthy within ${seconds} s (${c.state}${health})`
    : `did not keep running for ${seconds} s (${c.state}${restarts})`;
  return {
    from: p.image,
    to: p.previous,
    at: now.toISOString(),
    message: `The container on ${digestOf(p.image)} ${what}; back to ${digestOf(p.previous)}.`,
    specImage: spec.image ?? '',
    ...(spec.rebuildRequest !== undefined ? { rebuildRequest: spec.rebuildRequest } : {}),
  };
}

/** Running since before the watch began: neither Docker nor anyone restarted it meanwhile. */
function keptRunning(c: ObservedContainer, p: PendingUpdate): boolean {
  if (c.state !== 'running' || !c.startedAt) return false;
  // The watch begins when the operator first sees the new container, just after its start.
  return Date.parse(c.startedAt) <= Date.parse(p.since) + 1000;
}
