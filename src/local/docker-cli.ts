import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.ts';
import type { ExecResult } from './exec.ts';
import { stateDir } from './paths.ts';

function dockerCliPath(): string {
  for (const path of ['/usr/local/bin/docker', '/usr/bin/docker']) {
    if (existsSync(path)) return path;
  }
  throw new Error('docker CLI not found: run bash src/local/setup.sh (installs docker.io)');
}

/** The docker CLI and its environment for a daemon, with a private CLI config dir so logins stay out of ~/.docker. */
export function dockerCliCommand(env: { host: string }): { command: string; env: NodeJS.ProcessEnv } {
  const config = join(stateDir(), 'docker-cli');
  mkdirSync(config, { recursive: true });
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: env.host, DOCKER_CONFIG: config };
  delete childEnv['DOCKER_CONTEXT'];
  return { command: dockerCliPath(), env: childEnv };
}

/** Runs the docker CLI against a daemon to completion. */
export function dockerCli(env: { host: string }, args: string[], opts: { input?: string } = {}): Promise<ExecResult> {
  const cli = dockerCliCommand(env);
  return exec(cli.command, args, { input: opts.input, env: cli.env, timeoutMs: 300_000 });
}
