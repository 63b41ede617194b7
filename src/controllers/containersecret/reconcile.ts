// The ContainerSecret reconciler: read the credentials from the referenced Secret, log in to the
// registry through the Docker daemon (the daemon is what pulls, so its view is the one that
// counts), and report the verdict in status. The password is passed to Docker and nowhere else.
import type { Logger } from 'pino';
import { CONTAINER_SECRET, objectPath } from '../../api/group.ts';
import type { ContainerSecret } from '../../api/container-secret.ts';
import type { Secret } from '../../api/core.ts';
import { splitKey } from '../../api/object.ts';
import { validateContainerSecret } from '../../api/validate.ts';
import { RegistryAuthError, type ContainerBackend } from '../../backend/container-backend.ts';
import { DONE, type Action, type ReconcileContext } from '../../runtime/controller.ts';
import { errorMessage, TerminalError } from '../../runtime/errors.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';
import { CredentialsError, credentialsOf } from './credentials.ts';
import { computeSecretStatus, isTerminal, type Verdict } from './status.ts';

export interface ContainerSecretReconcilerDeps {
  client: KubeClient;
  backend: ContainerBackend;
  events: EventRecorder;
  get: (key: string) => ContainerSecret | undefined;
  secret: (namespace: string, name: string) => Secret | undefined;
  now?: () => Date;
  /** Re-check of working credentials (they may be revoked at the registry). */
  resyncAfterMs?: number;
}

export class ContainerSecretReconciler {
  private readonly deps: Required<ContainerSecretReconcilerDeps>;

  constructor(deps: ContainerSecretReconcilerDeps) {
    this.deps = { now: () => new Date(), resyncAfterMs: 300_000, ...deps };
  }

  readonly reconcile = async (key: string, ctx: ReconcileContext): Promise<Action> => {
    const csec = this.deps.get(key);
    if (!csec || csec.metadata.deletionTimestamp) return DONE;
    const verdict = await this.verify(csec, ctx.log);
    const { namespace = 'default', name } = splitKey(key);
    const path = objectPath(CONTAINER_SECRET, namespace, name);
    await writeStatus(this.deps.client, path, csec.status, computeSecretStatus(csec, verdict, this.deps.now()));
    if (verdict.reason === 'Verified') return { requeueAfterMs: this.deps.resyncAfterMs };
    const kind = {
      ...csec,
      apiVersion: `${CONTAINER_SECRET.group}/${CONTAINER_SECRET.version}`,
      kind: CONTAINER_SECRET.kind,
    };
    await this.deps.events.record(kind, 'Warning', verdict.reason, verdict.message);
    if (isTerminal(verdict)) throw new TerminalError(verdict.reason, verdict.message);
    throw new Error(verdict.message);
  };

  private async verify(csec: ContainerSecret, log: Logger): Promise<Verdict> {
    const invalid = validateContainerSecret(csec);
    if (invalid.length > 0) return { reason: 'InvalidSpec', message: invalid.join('; ') };
    let auth;
    try {
      auth = credentialsOf(csec, this.deps.secret);
    } catch (err) {
      if (err instanceof CredentialsError) return { reason: err.reason, message: err.message };
      throw err;
    }
    try {
      await this.deps.backend.checkAuth(auth);
      log.info({ server: auth.serveraddress }, 'registry accepted the credentials');
      return { reason: 'Verified', message: `${csec.spec.server} accepted the credentials of ${auth.username}.` };
    } catch (err) {
      if (!(err instanceof RegistryAuthError)) throw err;
      const reason = err.kind === 'Unauthorized' ? 'AuthFailed' : 'RegistryUnreachable';
      log.info({ server: auth.serveraddress, reason }, 'registry check failed');
      return { reason, message: `${csec.spec.server}: ${errorMessage(err)}` };
    }
  }
}
