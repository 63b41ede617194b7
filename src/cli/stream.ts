// The client side of exec and attach: the remote command protocol over a WebSocket, with the
// local terminal in raw mode for -t, its size sent at start and on every SIGWINCH, stdin sent
// until it ends (then closed on v5), and the remote exit code as the result.
import type { Readable, Writable } from 'node:stream';
import type WebSocket from 'ws';
import {
  CHANNEL,
  exitCodeOf,
  frame,
  STREAM_PROTOCOL_V5,
  type ExecStatus,
  type TerminalSize,
} from '../api/subresources.ts';

export interface StreamIo {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  /** The terminal size now, when there is a terminal. */
  size?: () => TerminalSize | undefined;
  /** Subscribes to size changes; returns an unsubscribe function. */
  onResize?: (listener: () => void) => () => void;
}

/** Runs the session to its end; resolves with the remote exit code (0 on Success). */
export function runStream(ws: WebSocket, io: StreamIo): Promise<number> {
  return new Promise((resolve, reject) => {
    let status: ExecStatus | undefined;
    const sendSize = (): void => {
      const size = io.size?.();
      if (size && ws.readyState === ws.OPEN) ws.send(frame(CHANNEL.resize, JSON.stringify(size)));
    };
    sendSize();
    const unsubscribe = io.onResize?.(sendSize) ?? (() => undefined);
    if (io.stdin) {
      io.stdin.on('data', (chunk: Buffer) => ws.send(frame(CHANNEL.stdin, chunk)));
      io.stdin.once('end', () => {
        // v4 cannot say stdin ended; v5 closes the channel, so `cat` and friends see EOF.
        if (ws.protocol === STREAM_PROTOCOL_V5 && ws.readyState === ws.OPEN) {
          ws.send(frame(CHANNEL.close, Buffer.from([CHANNEL.stdin])));
        }
      });
    }
    ws.on('message', (data: Buffer) => {
      const payload = data.subarray(1);
      if (data[0] === CHANNEL.stdout) io.stdout.write(payload);
      else if (data[0] === CHANNEL.stderr) io.stderr.write(payload);
      else if (data[0] === CHANNEL.status) status = JSON.parse(payload.toString('utf8')) as ExecStatus;
    });
    ws.once('close', () => {
      unsubscribe();
      io.stdin?.pause();
      if (!status) return reject(new Error('the connection closed before the command ended'));
      if (status.status === 'Failure' && status.reason !== 'NonZeroExitCode') return reject(new Error(status.message));
      resolve(exitCodeOf(status));
    });
    ws.once('error', reject);
  });
}
