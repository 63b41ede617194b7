// Status writes of one reconcile. Remembers what it wrote last, so a later write in the same
// reconcile compares against it (the informer's copy lags behind) and conditions keep their
// lastTransitionTime across the interim writes of a pull; every object the API server returns is
// handed on, so the next reconcile starts from it rather than from a lagging cache.
import type { NativeContainer, NativeContainerStatus } from '../../api/native-container.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';

export class StatusSink {
  private readonly client: KubeClient;
  private readonly path: string;
  private readonly onWritten: (obj: NativeContainer) => void;
  private last: NativeContainerStatus | undefined;

  constructor(
    client: KubeClient,
    path: string,
    current: NativeContainerStatus | undefined,
    onWritten: (obj: NativeContainer) => void,
  ) {
    this.client = client;
    this.path = path;
    this.last = current;
    this.onWritten = onWritten;
  }

  get current(): NativeContainerStatus | undefined {
    return this.last;
  }

  async write(status: NativeContainerStatus): Promise<void> {
    const written = await writeStatus<NativeContainer>(this.client, this.path, this.last, status);
    this.last = status;
    if (written) this.onWritten(written);
  }
}
