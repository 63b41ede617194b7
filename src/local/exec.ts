import { spawn } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a short-lived command to completion; never throws for a non-zero exit. */
export function exec(command: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: signal === null ? stderr : `${stderr}\n(killed by ${signal})`,
        code: code ?? -1,
      });
    });
    child.stdin.end(opts.input);
  });
}

/** Error for a failed command, with its stderr and the end of its stdout. */
export function execError(what: string, res: ExecResult): Error {
  // Both streams: tools such as docker build print the failing step's output on stdout and only
  // a summary on stderr.
  const detail = [res.stderr.trim(), res.stdout.trim().slice(-4000)].filter(Boolean).join('\n--- stdout ---\n');
  return new Error(`${what} failed (exit ${res.code}): ${detail}`);
}
