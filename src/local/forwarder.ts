// A TCP forwarder meant to run inside a network namespace (see netns.ts): it listens at the
// namespace's address and forwards every connection to a server in the root namespace, so that
// a server listening there is reached at a non-loopback address. TLS passes through untouched.
//   node src/local/forwarder.ts LISTEN_HOST:PORT TARGET_HOST:PORT
import net from 'node:net';

function hostPort(arg: string | undefined): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(arg ?? '');
  if (!match) throw new Error(`expected HOST:PORT, got ${JSON.stringify(arg)}`);
  return { host: match[1]!, port: Number(match[2]) };
}

const listen = hostPort(process.argv[2]);
const target = hostPort(process.argv[3]);
// No Nagle on either side: interactive streams (exec) send one small frame at a time.
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ port: target.port, host: target.host, noDelay: true });
  client.pipe(upstream);
  upstream.pipe(client);
  const end = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
});
server.listen(listen.port, listen.host, () =>
  process.stdout.write(`forwarding ${process.argv[2]} to ${process.argv[3]}\n`),
);
process.once('SIGTERM', () => process.exit(0));
