// Wiring of the subresource API server (src/apiserver/) to the operator's caches, hosts and
// controllers: on every replica, with what it reads from the shared informers and each host's
// reflector. Started only when a serving certificate is configured (NCO_TLS_CERT_FILE).
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { NATIVE_CONTAINER } from './api/group.ts';
import type { NativeContainer } from './api/native-container.ts';
import type { ContainerAccess } from './backend/container-access.ts';
import type { HostPool } from './backend/hosts.ts';
import type { ImageBuilder } from './backend/image-builder.ts';
import { HttpError } from './apiserver/responses.ts';
import { serveSubresources, type SubresourceServer } from './apiserver/server.ts';
import type { SubresourceConfig } from './config.ts';
import { referenceLookup } from './controllers/nativecontainer/controller.ts';
import { UnresolvedReferenceError } from './controllers/nativecontainer/references.ts';
import { containerOf, previewPlan, pushWith } from './controllers/nativecontainer/subresources.ts';
import type { EventRecorder } from './runtime/events.ts';
import type { KubeClient } from './runtime/kube-client.ts';
import type { Manager } from './runtime/manager.ts';

export interface SubresourceWiring {
  config: SubresourceConfig;
  client: KubeClient;
  manager: Manager;
  hosts: HostPool;
  events: EventRecorder;
  log: Logger;
  registry: Registry;
  access: (host: string) => ContainerAccess | undefined;
  builder: (host: string) => ImageBuilder | undefined;
}

export function startSubresources(w: SubresourceWiring): Promise<SubresourceServer> {
  const resources = w.manager.informer<NativeContainer>(NATIVE_CONTAINER);
  const refs = referenceLookup(w.manager);
  // A stream a client left must not stay open on the engine: this shows any that do.
  const streams = new Gauge({
    name: 'nco_subresource_streams',
    help: 'Engine streams (log, stats) the subresource API holds open for its clients now',
    labelNames: ['subresource'],
    registers: [w.registry],
  });
  return serveSubresources({
    host: w.config.bindAddress,
    port: w.config.port,
    certFile: w.config.certFile,
    keyFile: w.config.keyFile,
    client: w.client,
    log: w.log.child({ component: 'subresources' }),
    targets: {
      synced: () => w.manager.hasSynced(),
      get: (namespace, name) => resources.get(`${namespace}/${name}`),
      locate: (nc) => containerOf(nc, w.hosts, w.access),
      plan: (proposed) => previewPlan(proposed, { refs, hosts: w.hosts }, new Date()),
      push: async (namespace, host, image, secretName) => {
        const builder = w.builder(host);
        if (!builder) throw new HttpError(503, `no image builder for host ${host}`);
        try {
          return await pushWith(image, namespace, secretName, refs, builder);
        } catch (err) {
          if (!(err instanceof UnresolvedReferenceError)) throw err;
          throw new HttpError(err.reason === 'SecretNotFound' ? 404 : 400, err.message);
        }
      },
      opened: (subresource, stream) => {
        streams.inc({ subresource });
        stream.once('close', () => streams.dec({ subresource }));
      },
      events: w.events,
      eventArguments: w.config.eventArguments,
    },
  });
}
