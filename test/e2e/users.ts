// Users of the test API server: client certificates signed by its CA (the CN is the user name),
// bound to a ClusterRole in one namespace, each with a kubeconfig of its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify, parse } from 'yaml';
import { writeFileSync } from 'node:fs';
import { certPaths, ensureCerts, signLeaf } from '../../src/local/certs.ts';
import { cacheDir, runDir } from '../../src/local/paths.ts';
import { env, kubectl } from './support.ts';

/** A kubeconfig for `user` (bound to `role` in `namespace`), or without credentials when user is undefined. */
export async function userKubeconfig(user: string | undefined, namespace: string, role?: string): Promise<string> {
  const dir = runDir(`user-${user ?? 'anonymous'}-${namespace}`);
  const admin = parse(readFileSync(env().kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const credentials: Record<string, string> = {};
  if (user !== undefined) {
    const shared = await ensureCerts(join(cacheDir(), 'pki'));
    await signLeaf(
      { ...certPaths(dir), caCert: shared.caCert, caKey: shared.caKey },
      'user',
      `/CN=${user}`,
      'extendedKeyUsage=clientAuth\n',
    );
    credentials['client-certificate-data'] = readFileSync(join(dir, 'user.crt')).toString('base64');
    credentials['client-key-data'] = readFileSync(join(dir, 'user.key')).toString('base64');
  }
  if (user !== undefined && role !== undefined) {
    await kubectl([
      'create',
      'rolebinding',
      `${user}-${role}`,
      '-n',
      namespace,
      `--clusterrole=${role}`,
      `--user=${user}`,
    ]);
  }
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: admin.clusters[0]!.cluster }],
      users: [{ name: 'u', user: credentials }],
      contexts: [{ name: 'u', context: { cluster: 'test', user: 'u', namespace } }],
      'current-context': 'u',
    }),
  );
  return file;
}
