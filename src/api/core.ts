// The parts of core Kubernetes objects the controllers read: Secrets and ConfigMaps.
import type { KubeObject } from './object.ts';

export interface Secret extends KubeObject {
  type?: string;
  /** Values are base64, as the API server returns them. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';

/** The decoded value of a Secret key, or undefined when the key is absent. */
export function secretValue(secret: Secret, key: string): string | undefined {
  const raw = secret.data?.[key];
  if (raw !== undefined) return Buffer.from(raw, 'base64').toString('utf8');
  return secret.stringData?.[key];
}

/**
 * The bytes of a Secret key as stored (a Secret may hold binary data), or undefined when the key is
 * absent. As secretValue: data first; stringData only in objects not from the API server.
 */
export function secretBytes(secret: Secret, key: string): Buffer | undefined {
  const raw = secret.data?.[key];
  if (raw !== undefined) return Buffer.from(raw, 'base64');
  const text = secret.stringData?.[key];
  return text === undefined ? undefined : Buffer.from(text, 'utf8');
}
