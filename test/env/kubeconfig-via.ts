// A copy of a kubeconfig whose server is another loopback port (a proxy in front of the
// API server). The serving certificate covers 127.0.0.1, so TLS still verifies.
import { readFileSync, writeFileSync } from 'node:fs';

export function kubeconfigVia(source: string, port: number, target: string): string {
  const text = readFileSync(source, 'utf8').replace(
    /server: https:\/\/127\.0\.0\.1:\d+/,
    `server: https://127.0.0.1:${port}`,
  );
  writeFileSync(target, text);
  return target;
}

export function serverPort(kubeconfigPath: string): number {
  const match = /server: https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(kubeconfigPath, 'utf8'));
  if (!match) throw new Error(`no loopback server in ${kubeconfigPath}`);
  return Number(match[1]);
}
