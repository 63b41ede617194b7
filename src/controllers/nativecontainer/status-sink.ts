// Status writes of one reconcile. Remembers what it wrote last, so a later write in the same
// reconcile compares against it (the informer's copy lags behind) and conditions keep their
// lastTransitionTime across the interim writes of a pull or rebuild.
import type { NativeContainerStatus } from '../../api/native-container.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';

export class StatusSink {
  private readonly client: KubeClient;
  private readonly path: string;
  private last: NativeContainerStatus | undefined;

  constructor(client: KubeClient, path: string, current: NativeContainerStatus | undefined) {
    this.client = client;
    this.path = path;
    this.last = current;
  }

  get current(): NativeContainerStatus | undefined {
    return this.last;
  }

  async write(status: NativeContainerStatus): Promise<void> {
    await writeStatus(this.client, this.path, this.last, status);
    this.last = status;
  }
}
