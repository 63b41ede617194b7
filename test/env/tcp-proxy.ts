// A TCP proxy on 127.0.0.1 that can make its current connections go silent without closing
// them: the failure mode of a half-dead connection (a NAT or load balancer that forgot it),
// which a watch client only notices by its own idle timer. TLS passes through untouched.
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Existing connections stop forwarding in both directions but stay open; new ones work. */
  freezeExisting(): void;
  /** Every connection, open or new, is accepted and goes silent: a peer cut off by the network. */
  silence(): void;
  /** Forwards again: connections opened while silent work from now on. */
  unsilence(): void;
  /** Destroys every connection, as a crashed peer would. */
  dropAll(): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; frozen: boolean }>();
  let silent = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream, frozen: silent };
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (!pair.frozen) to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    freezeExisting: () => pairs.forEach((p) => (p.frozen = true)),
    silence: () => {
      silent = true;
      pairs.forEach((p) => (p.frozen = true));
    },
    unsilence: () => {
      silent = false;
      // Frozen connections lost bytes; they stay useless and are dropped, as a real cut would.
      pairs.forEach((p) => (p.client.destroy(), p.upstream.destroy()));
    },
    dropAll: () => pairs.forEach((p) => (p.client.destroy(), p.upstream.destroy())),
    connections: () => pairs.size,
    close: async () => {
      pairs.forEach((p) => (p.client.destroy(), p.upstream.destroy()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
