// exec and attach over WebSocket with Kubernetes' remote command protocol (v5.channel.k8s.io, or
// v4.channel.k8s.io for older clients): channel 0 stdin, 1 stdout, 2 stderr, 3 the final Status
// (the exit code as kubectl reads it), 4 terminal resizes; in v5, 255 closes stdin. Every session
// leaves an Event naming the user and the command's first word (arguments may hold secrets).
import type { Logger } from 'pino';
import type { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { withKind } from '../api/group.ts';
import { CHANNEL, execStatus, frame, STREAM_PROTOCOL_V5, type TerminalSize } from '../api/subresources.ts';
import type { Session } from '../backend/container-access.ts';
import { errorMessage } from '../runtime/errors.ts';
import { engine, locate, type Targets } from './handlers.ts';
import type { Admitted } from './server.ts';

/** Above this many bytes waiting to be sent, output is paused until the client has taken them. */
const HIGH_WATER = 1 << 20;

export function serveStream(ws: WebSocket, a: Admitted, t: Targets, log: Logger): void {
  const q = a.query;
  const tty = q.get('tty') === 'true';
  const options = {
    stdin: q.get('stdin') === 'true',
    stdout: q.get('stdout') !== 'false',
    stderr: q.get('stderr') !== 'false' && !tty,
    tty,
  };
  const command = q.getAll('command');
  let session: Session | undefined;
  let size: TerminalSize | undefined;
  const resize = (s: TerminalSize): void => {
    size = s;
    void session?.resize(s.Width, s.Height).catch(() => undefined);
  };
  // What the client sends before the engine's session is open waits for it.
  // An attach keeps the container's stdin open when the client's ends: Docker would end the
  // whole attach at once, before the output the last input caused.
  const input = new PendingInput(a.subresource === 'exec');
  ws.on('message', (data: Buffer) => onMessage(data, ws.protocol, input, resize));
  ws.on('close', () => session?.close());
  const start = async (): Promise<void> => {
    if (a.subresource === 'exec' && command.length === 0) throw new Error('command is required');
    const target = locate(a, t);
    session = await engine(() =>
      a.subresource === 'exec'
        ? target.access.exec(target.id, command, options)
        : target.access.attach(target.id, options),
    );
    // The client may have left while the engine opened the session: nobody would end it then.
    if (ws.readyState !== ws.OPEN) return session.close();
    record(a, t, command);
    input.attach(session.stdin);
    if (size) resize(size);
    const out = [pump(session.stdout, CHANNEL.stdout, ws), pump(session.stderr, CHANNEL.stderr, ws)];
    const code = await session.done;
    await Promise.all(out);
    const what = a.subresource === 'exec' ? (command[0] ?? 'command') : 'the container';
    ws.send(frame(CHANNEL.status, JSON.stringify(execStatus(code, what))), () => ws.close(1000));
  };
  start().catch((err: unknown) => {
    log.info({ err: errorMessage(err), subresource: a.subresource }, 'stream failed');
    const status = { metadata: {}, status: 'Failure', message: errorMessage(err), reason: 'InternalError' };
    if (ws.readyState === ws.OPEN) ws.send(frame(CHANNEL.status, JSON.stringify(status)), () => ws.close(1000));
    session?.close();
  });
}

/** Stdin for a session that may not be open yet: chunks and the end are kept until it is. */
class PendingInput {
  private stdin: Writable | undefined;
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private readonly closable: boolean;

  constructor(closable: boolean) {
    this.closable = closable;
  }

  write(chunk: Buffer): void {
    if (this.stdin) this.stdin.write(chunk);
    else this.chunks.push(chunk);
  }

  end(): void {
    if (!this.closable) return;
    this.ended = true;
    this.stdin?.end();
  }

  attach(stdin: Writable | undefined): void {
    this.stdin = stdin;
    if (!stdin) return;
    for (const chunk of this.chunks.splice(0)) stdin.write(chunk);
    if (this.ended) stdin.end();
  }
}

function onMessage(data: Buffer, protocol: string, input: PendingInput, resize: (s: TerminalSize) => void): void {
  if (data.length === 0) return;
  const channel = data[0];
  const payload = data.subarray(1);
  if (channel === CHANNEL.stdin) input.write(payload);
  else if (channel === CHANNEL.resize) {
    try {
      resize(JSON.parse(payload.toString('utf8')) as TerminalSize);
    } catch {
      // A malformed resize is ignored, as the kubelet does.
    }
  } else if (channel === CHANNEL.close && protocol === STREAM_PROTOCOL_V5 && payload[0] === CHANNEL.stdin) {
    input.end();
  }
}

/** Sends a stream's chunks on a channel, pausing it while the client lags; resolves when it ended. */
function pump(source: Readable, channel: number, ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    source.on('data', (chunk: Buffer) => {
      ws.send(frame(channel, chunk), () => {
        if (source.isPaused() && ws.bufferedAmount < HIGH_WATER) source.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER) source.pause();
    });
    source.once('end', resolve);
    source.once('close', resolve);
    source.once('error', () => resolve());
  });
}

function record(a: Admitted, t: Targets, command: string[]): void {
  if (!a.nc) return;
  if (a.subresource === 'attach') {
    t.events.record(withKind(a.nc), 'Normal', 'Attached', `${a.user.username} attached to the container`);
    return;
  }
  const shown = t.eventArguments ? command.join(' ') : (command[0] ?? '');
  t.events.record(withKind(a.nc), 'Normal', 'Exec', `${a.user.username} ran ${shown} in the container`);
}
