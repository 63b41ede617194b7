// Where Podman differs from Docker, in one place. Podman serves the Docker Engine API
// (`podman system service`); the operator talks to both through the same backend, and whatever
// must be told apart is told apart here.
//
// - GET /version: Podman lists a component named "Podman Engine"; that is how it is recognised.
// - Log drivers: Podman has no `local` driver (the operator's default, Docker's compact one);
//   its json-file is its k8s-file, which takes max-size but not max-file.
// - Healthcheck commands: Podman 4.3 splits a CMD check's arguments at whitespace (podmanTest).
// - Healthchecks: Podman 4.3 does not run them itself but asks systemd for a timer per container;
//   without systemd (a container, a minimal host) nothing runs them and health stays `starting`
//   forever. The operator runs them on Podman hosts through libpod's own endpoint, served on the
//   same socket, which runs the check once and records it as Podman's timer would (health,
//   FailingStreak, log, a health_status event): see podman-healthchecks.ts.
// - Updates in place: Podman 4.3's Docker API has no /containers/{id}/update (404), and its own
//   `podman update` changes cgroup limits only, not the restart policy. On Podman what Docker
//   changes in place (limits, restart policy, pids limit) rebuilds the container instead.
// - The oldest API versions the operator's requests are written for: Docker 1.41 (20.10), and the
//   1.40 that Podman 4 reports for its compatibility API.
import type Docker from 'dockerode';

export type Engine = 'Docker' | 'Podman';

export function engineOf(version: Docker.DockerVersion): Engine {
  const components = (version as { Components?: { Name?: string }[] }).Components ?? [];
  return components.some((c) => /podman/i.test(c.Name ?? '')) ? 'Podman' : 'Docker';
}

/** The create request as the engine takes it. */
export function forEngine(engine: Engine, options: Docker.ContainerCreateOptions): Docker.ContainerCreateOptions {
  if (engine !== 'Podman') return options;
  const test = options.Healthcheck?.Test;
  const Healthcheck = test && options.Healthcheck ? { ...options.Healthcheck, Test: podmanTest(test) } : undefined;
  const HostConfig = podmanHostConfig(options.HostConfig);
  return { ...options, ...(Healthcheck ? { Healthcheck } : {}), ...(HostConfig ? { HostConfig } : {}) };
}

function podmanHostConfig(host: Docker.HostConfig | undefined): Docker.HostConfig | undefined {
  const log = host?.LogConfig;
  if (!log) return host;
  const maxSize = (log.Config as Record<string, string> | undefined)?.['max-size'];
  const LogConfig = { Type: 'json-file', Config: maxSize !== undefined ? { 'max-size': maxSize } : {} };
  return { ...host, LogConfig };
}

/**
 * Podman 4.3 joins a CMD healthcheck's arguments and splits them again at whitespace, so
 * `["CMD", "sh", "-c", "test -e /x"]` runs `sh -c test -e /x`. Such a check goes as CMD-SHELL, the
 * arguments quoted for the shell, which Podman keeps whole. That needs /bin/sh in the image; a
 * check whose arguments hold spaces is nearly always a shell script already. Others stay exec form.
 */
function podmanTest(test: string[]): string[] {
  const [form, ...args] = test;
  if (form !== 'CMD' || !args.some((a) => /\s/.test(a))) return test;
  return ['CMD-SHELL', args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ')];
}

/** True when the engine can change a container's limits and restart policy in place. */
export function updatesInPlace(engine: Engine): boolean {
  return engine === 'Docker';
}

/** True when the engine runs containers' healthchecks on their interval by itself. */
export function runsHealthchecks(engine: Engine): boolean {
  return engine === 'Docker';
}

/**
 * Podman's libpod API: run the container's healthcheck now (`podman healthcheck run`). It is
 * served only under a versioned path (an unversioned one is 404).
 */
export function healthcheckPath(id: string): string {
  return `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`;
}

const OLDEST_API: Record<Engine, [number, number]> = { Docker: [1, 41], Podman: [1, 40] };

/** Undefined when the engine's API version is one the operator speaks; else why not. */
export function unsupportedVersion(engine: Engine, apiVersion: string): string | undefined {
  const [major = 0, minor = 0] = apiVersion.split('.').map(Number);
  const [oMajor, oMinor] = OLDEST_API[engine];
  if (major > oMajor || (major === oMajor && minor >= oMinor)) return undefined;
  return `${engine} API ${apiVersion} is older than ${oMajor}.${oMinor}, the oldest the operator speaks`;
}
