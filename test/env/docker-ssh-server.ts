// An SSH server on 127.0.0.1 standing in for sshd on a Docker host: it accepts one user with one
// public key and runs only `docker system dial-stdio`, by connecting the channel to the private
// dockerd's socket, which is what the docker CLI does there. (Installing and running the host's
// sshd is not the test's to do.) The SSH protocol, host key and client key checks are real.
import { connect, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, PublicKeyAuthContext } from 'ssh2';

const { Server, utils } = ssh2;

export interface SshKeyPair {
  /** OpenSSH private key. */
  private: string;
  /** "ssh-ed25519 AAAA..." */
  public: string;
}

export interface DockerSshServer {
  port: number;
  /** Sessions that ran `docker system dial-stdio` after a valid key signature. */
  dialed(): number;
  stop(): Promise<void>;
}

/**
 * A key pair both ends can read. ssh2's generator strips leading zero bytes of an ed25519 public
 * key, so about one pair in 256 is malformed (mscdex/ssh2#1513, #1390); it once failed CI with
 * "Cannot parse privateKey: Malformed OpenSSH private key". Such a pair is drawn again.
 */
export function generateKeyPair(comment: string): SshKeyPair {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return pair;
  }
  throw new Error('ssh2 generated 20 unreadable ed25519 key pairs in a row');
}

export async function startDockerSshServer(opts: {
  socketPath: string;
  hostKey: SshKeyPair;
  user: string;
  clientKey: SshKeyPair;
  /** Where to listen; default 127.0.0.1 on a free port (a network namespace's address: port 22). */
  address?: string;
  port?: number;
}): Promise<DockerSshServer> {
  const allowed = parse(opts.clientKey.public);
  const clients = new Set<Connection>();
  const sockets = new Set<Socket>();
  let dialed = 0;
  const server = new Server({ hostKeys: [opts.hostKey.private] }, (client) => {
    clients.add(client);
    // Small messages go out at once (TCP_NODELAY), as the operator sends them. ssh2 has
    // Connection.setNoDelay; its type declarations lack it.
    (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    client.on('close', () => clients.delete(client));
    client.on('error', () => client.end());
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.username === opts.user && keyMatches(ctx, allowed)) ctx.accept();
      else ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        acceptSession().on('exec', (accept, reject, info) => {
          if (info.command !== 'docker system dial-stdio') return reject();
          dialed += 1;
          const channel = accept();
          const upstream = connect(opts.socketPath);
          sockets.add(upstream);
          upstream.once('close', () => sockets.delete(upstream));
          upstream.on('error', () => channel.close());
          channel.on('close', () => upstream.destroy());
          channel.pipe(upstream).pipe(channel);
        });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.address ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    dialed: () => dialed,
    async stop() {
      for (const socket of sockets) socket.destroy();
      for (const client of clients) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parse(publicKey: string): ParsedKey {
  const key = utils.parseKey(publicKey);
  if (key instanceof Error) throw key;
  return key;
}

// Without a signature the client only asks whether the key would do; with one, it must verify.
function keyMatches(ctx: PublicKeyAuthContext, allowed: ParsedKey): boolean {
  if (ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) return false;
  if (ctx.signature === undefined || ctx.blob === undefined) return true;
  return allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo);
}
