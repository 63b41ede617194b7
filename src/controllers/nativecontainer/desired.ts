// Translation of a NativeContainer spec into the container the backend should run (pure).
import { createHash } from 'node:crypto';
import type { DesiredState, NativeContainer } from '../../api/native-container.ts';
import type { ContainerConfig } from '../../backend/container-backend.ts';
import { containerName, LABELS, ownerLabels } from '../../backend/labels.ts';

export interface Desired {
  config: ContainerConfig;
  /** Hash of every field that needs a new container when it changes; stored as a label. */
  hash: string;
  state: DesiredState;
}

export function desiredContainer(nc: NativeContainer): Desired {
  const { namespace = 'default', name, uid = '' } = nc.metadata;
  const spec = nc.spec;
  // Env is a map by name (unique names are enforced), so its order must not force a recreate.
  const sorted = [...(spec.env ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  const env = Object.fromEntries(sorted.map((e) => [e.name, e.value ?? '']));
  const recreateFields = {
    image: normalizeImage(spec.image),
    command: spec.command ?? null,
    args: spec.args ?? null,
    env,
  };
  const hash = configHash(recreateFields);
  const config: ContainerConfig = {
    name: containerName(namespace, name),
    image: recreateFields.image,
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    env,
    labels: { ...ownerLabels({ uid, namespace, name }), [LABELS.configHash]: hash },
  };
  return { config, hash, state: spec.state ?? 'Running' };
}

/** A reference without a tag or digest means :latest, as in Docker. */
export function normalizeImage(image: string): string {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return image.includes('@') || lastSegment.includes(':') ? image : `${image}:latest`;
}

export function configHash(fields: unknown): string {
  return createHash('sha256').update(stableJson(fields)).digest('hex').slice(0, 16);
}

/** JSON with sorted object keys, so equal values hash equally. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
