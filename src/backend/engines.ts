// Where Podman differs from Docker, in one place. Podman serves the Docker Engine API
// (`podman system service`); the operator talks to both through the same backend, and whatever
// must be told apart is told apart here.
//
// - GET /version: Podman lists a component named "Podman Engine"; that is how it is recognised.
// - Log drivers: Podman has no `local` driver (the operator's default, Docker's compact one);
//   its json-file is its k8s-file, which takes max-size but not max-file.
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
  const log = options.HostConfig?.LogConfig;
  if (engine !== 'Podman' || !log) return options;
  const maxSize = (log.Config as Record<string, string> | undefined)?.['max-size'];
  const LogConfig = { Type: 'json-file', Config: maxSize !== undefined ? { 'max-size': maxSize } : {} };
  return { ...options, HostConfig: { ...options.HostConfig, LogConfig } };
}

const OLDEST_API: Record<Engine, [number, number]> = { Docker: [1, 41], Podman: [1, 40] };

/** Undefined when the engine's API version is one the operator speaks; else why not. */
export function unsupportedVersion(engine: Engine, apiVersion: string): string | undefined {
  const [major = 0, minor = 0] = apiVersion.split('.').map(Number);
  const [oMajor, oMinor] = OLDEST_API[engine];
  if (major > oMajor || (major === oMajor && minor >= oMinor)) return undefined;
  return `${engine} API ${apiVersion} is older than ${oMajor}.${oMinor}, the oldest the operator speaks`;
}
