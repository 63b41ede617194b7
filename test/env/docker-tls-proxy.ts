// A TLS listener in front of the private dockerd's unix socket, standing in for dockerd's own
// `--tlsverify -H tcp://...`: it requires a client certificate signed by the given CA, then
// passes the bytes through to the real Docker API. (Restarting the shared test daemon with a TCP
// listener is not ours to do.)
import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsProxy {
  /** tcp://127.0.0.1:PORT */
  host: string;
  /** Connections that presented a client certificate the CA signed. */
  authorized(): number;
  stop(): Promise<void>;
}

export async function startDockerTlsProxy(opts: {
  socketPath: string;
  ca: string;
  cert: string;
  key: string;
}): Promise<TlsProxy> {
  const open = new Set<Socket>();
  let authorized = 0;
  const server = createServer(
    { ca: opts.ca, cert: opts.cert, key: opts.key, requestCert: true, rejectUnauthorized: true },
    (client: TLSSocket) => {
      if (client.authorized) authorized += 1;
      const upstream = connect(opts.socketPath);
      for (const socket of [client, upstream]) {
        open.add(socket);
        socket.once('close', () => open.delete(socket));
      }
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  // A handshake refused for want of a valid client certificate is expected in tests.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: `tcp://127.0.0.1:${port}`,
    authorized: () => authorized,
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
