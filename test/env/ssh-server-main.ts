// The SSH server of docker-ssh-server.ts as a process of its own, so that it can run inside a
// network namespace (`nsenter --net=/run/netns/NS node test/env/ssh-server-main.ts CONFIG.json`) as sshd on
// a Docker host would. CONFIG.json: { socketPath, hostKey, user, clientKey, address, port }.
import { readFileSync } from 'node:fs';
import { startDockerSshServer } from './docker-ssh-server.ts';

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Parameters<typeof startDockerSshServer>[0];
const server = await startDockerSshServer(config);
process.stdout.write(`listening on ${config.address ?? '127.0.0.1'}:${server.port}\n`);
const stop = (): void => {
  void server.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
