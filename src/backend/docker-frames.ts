// Docker's multiplexed stream (logs, exec and attach without a TTY): frames of an 8-byte header
// (stream type 0 stdin, 1 stdout, 2 stderr; 3 bytes of zero; a 32-bit big-endian size) and the
// payload. Ours rather than dockerode's demuxStream: that one reads 8 bytes at a time through
// `readable` events and copies every payload; this one slices the chunks it is given, which keeps a
// log stream's throughput close to the socket's.
import { PassThrough, type Readable, type Writable } from 'node:stream';

export type StreamType = 'stdout' | 'stderr';

const HEADER = 8;

/** Pure: turns chunks as they arrive into payloads by stream, keeping partial frames. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): [StreamType, Buffer][] {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: [StreamType, Buffer][] = [];
    while (buf.length >= HEADER) {
      const size = buf.readUInt32BE(4);
      if (buf.length < HEADER + size) break;
      if (size > 0) out.push([buf[0] === 2 ? 'stderr' : 'stdout', buf.subarray(HEADER, HEADER + size)]);
      buf = buf.subarray(HEADER + size);
    }
    this.pending = buf;
    return out;
  }
}

/**
 * Writes the payloads of a multiplexed stream to stdout and stderr (which may be one stream), with
 * back-pressure, and ends them when the source ends.
 */
export function demultiplex(source: Readable, stdout: Writable, stderr: Writable): void {
  const parser = new FrameParser();
  source.on('data', (chunk: Buffer) => {
    let blocked: Writable | undefined;
    for (const [type, data] of parser.feed(chunk)) {
      const target = type === 'stderr' ? stderr : stdout;
      if (!target.write(data)) blocked = target;
    }
    if (blocked) {
      source.pause();
      blocked.once('drain', () => source.resume());
    }
  });
  const finish = (): void => {
    stdout.end();
    if (stderr !== stdout) stderr.end();
  };
  source.once('end', finish);
  source.once('close', finish);
  source.once('error', (err) => {
    stdout.destroy(err);
    if (stderr !== stdout) stderr.destroy(err);
  });
}

/** The two output streams of a session: demultiplexed, or the raw stream of a TTY on stdout. */
export function outputsOf(source: Readable, tty: boolean): { stdout: PassThrough; stderr: PassThrough } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (tty) {
    source.pipe(stdout);
    source.once('close', () => stdout.end());
    stderr.end();
  } else demultiplex(source, stdout, stderr);
  return { stdout, stderr };
}
