// Field indexes shared by the controllers: who refers to which Secret, ConfigMap or
// ContainerSecret. A change of one of those requeues exactly the objects that refer to it.
import type { ContainerSecret } from '../api/container-secret.ts';
import { CONTAINER_SECRET, IMAGE_BUILD, NATIVE_CONTAINER } from '../api/group.ts';
import type { ImageBuild } from '../api/image-build.ts';
import type { NativeContainer } from '../api/native-container.ts';
import type { Manager } from '../runtime/manager.ts';
import { buildReferences } from './imagebuild/inputs.ts';
import { referencedNames } from './nativecontainer/references.ts';

export const BY_SECRET = 'secret';
export const BY_CONFIG_MAP = 'configmap';
export const BY_CONTAINER_SECRET = 'containersecret';
export const BY_IMAGE_BUILD = 'imagebuild';

export function registerIndexes(manager: Manager): void {
  const within = (ns: string | undefined, names: string[]): string[] => names.map((n) => `${ns ?? 'default'}/${n}`);
  manager.index<NativeContainer>(NATIVE_CONTAINER, BY_SECRET, (nc) =>
    within(nc.metadata.namespace, referencedNames(nc).secrets),
  );
  manager.index<NativeContainer>(NATIVE_CONTAINER, BY_CONFIG_MAP, (nc) =>
    within(nc.metadata.namespace, referencedNames(nc).configMaps),
  );
  manager.index<NativeContainer>(NATIVE_CONTAINER, BY_CONTAINER_SECRET, (nc) =>
    within(nc.metadata.namespace, referencedNames(nc).containerSecrets),
  );
  manager.index<NativeContainer>(NATIVE_CONTAINER, BY_IMAGE_BUILD, (nc) =>
    within(nc.metadata.namespace, referencedNames(nc).imageBuilds),
  );
  manager.index<ImageBuild>(IMAGE_BUILD, BY_SECRET, (ib) => within(ib.metadata.namespace, buildReferences(ib).secrets));
  manager.index<ImageBuild>(IMAGE_BUILD, BY_CONFIG_MAP, (ib) =>
    within(ib.metadata.namespace, buildReferences(ib).configMaps),
  );
  manager.index<ImageBuild>(IMAGE_BUILD, BY_CONTAINER_SECRET, (ib) =>
    within(ib.metadata.namespace, buildReferences(ib).containerSecrets),
  );
  manager.index<ContainerSecret>(CONTAINER_SECRET, BY_SECRET, (csec) =>
    within(
      csec.metadata.namespace,
      [csec.spec?.passwordSecretRef?.name, csec.spec?.dockerConfigSecretRef?.name].filter(
        (n): n is string => n !== undefined,
      ),
    ),
  );
}
