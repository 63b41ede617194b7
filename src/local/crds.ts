// Installs the CRDs from crds/ and waits until the API server serves them.
import { fileURLToPath } from 'node:url';
import { kubectl } from './kubectl.ts';

export const CRD_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));

export async function installCrds(cp: { kubeconfigPath: string }): Promise<void> {
  await kubectl(cp, ['apply', '--server-side', '--force-conflicts', '-f', CRD_DIR]);
  await kubectl(cp, ['wait', '--for=condition=Established', '--timeout=60s', '-f', CRD_DIR]);
}
