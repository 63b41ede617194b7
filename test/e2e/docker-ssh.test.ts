// Docker over SSH, as the chart's docker.mode=ssh configures it: DOCKER_HOST=ssh://user@host and
// $HOME/.ssh holding the private key and known_hosts (mounted from a Secret).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, startDockerSshServer, type DockerSshServer } from '../env/docker-ssh-server.ts';
import { runDir } from '../../src/local/paths.ts';
import { logTail, type ProcessHandle } from '../../src/local/processes.ts';
import { dockerSocketPath, runHelloThroughItsLife } from './packaging.ts';
import { createNamespace, startOperator } from './support.ts';
import { cleanupSteps } from './cleanup.ts';

const USER = 'deploy';

describe('the operator reaching Docker over SSH', () => {
  let server: DockerSshServer;
  let trustingHome: string;
  let untrustingHome: string;
  let operator: ProcessHandle | undefined;

  beforeAll(async () => {
    const hostKey = generateKeyPair('docker-host');
    const clientKey = generateKeyPair('native-container-operator');
    server = await startDockerSshServer({
      socketPath: dockerSocketPath(),
      hostKey,
      user: USER,
      clientKey,
    });
    const dir = runDir('docker-ssh');
    const knownAs = `[127.0.0.1]:${server.port}`;
    trustingHome = home(join(dir, 'trusting'), clientKey.private, `${knownAs} ${hostKey.public}\n`);
    // known_hosts lists another key for this host: the one that answers must be refused.
    const impostor = generateKeyPair('someone-else');
    untrustingHome = home(join(dir, 'untrusting'), clientKey.private, `${knownAs} ${impostor.public}\n`);
  });

  afterAll(async () => {
    await cleanupSteps([() => operator?.stop(), () => server?.stop()]);
  });

  it('runs a NativeContainer from apply through Ready to delete', async () => {
    const ns = await createNamespace('docker-ssh');
    operator = startOperator('docker-ssh', {
      DOCKER_HOST: `ssh://${USER}@127.0.0.1:${server.port}`,
      HOME: trustingHome,
      SSH_AUTH_SOCK: '',
    });
    await runHelloThroughItsLife(ns, operator);
    expect(server.dialed()).toBeGreaterThan(0);
    await operator.stop();
  });

  it('refuses to start when known_hosts lists another key for the Docker host', async () => {
    const refused = startOperator('docker-ssh-untrusting', {
      DOCKER_HOST: `ssh://${USER}@127.0.0.1:${server.port}`,
      HOME: untrustingHome,
      SSH_AUTH_SOCK: '',
    });
    expect(await refused.exited).toBe(1);
    const log = logTail(refused.logFile);
    expect(log).toContain('could not start');
    expect(log).toContain('Host denied');
  });
});

/** A $HOME whose .ssh holds the key and known_hosts, with the permissions OpenSSH insists on. */
function home(dir: string, privateKey: string, knownHosts: string): string {
  mkdirSync(join(dir, '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, '.ssh', 'id_ed25519'), privateKey, { mode: 0o600 });
  writeFileSync(join(dir, '.ssh', 'known_hosts'), knownHosts);
  return dir;
}
