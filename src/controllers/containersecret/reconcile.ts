// The ContainerSecret reconciler: read the credentials from the referenced Secret, log in to the
// registry through the Docker daemon (the daemon is what pulls, so its view is the one that
// counts), and report the verdict in status. The password is passed to Docker and nowhere else.
import type { Logger } from 'pino';
import { CONTAINER_SECRET, objectPath } from '../../api/group.ts';
import type { ContainerSecret } from '../../api/container-secret.ts';
import type { Secret } from '../../api/core.ts';
import { splitKey } from '../../api/object.ts';
import { validateContainerSecret } from '../../api/validate.ts';
import { EngineUnavailableError, RegistryAuthError, type ContainerBackend } from '../../backend/container-backend.ts';
import { AWAIT_CHANGE, BACKOFF, type Action, type ReconcileContext } from '../../runtime/controller.ts';
import { errorMessage } from '../../runtime/errors.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';
import { CredentialsError, credentialsOf } from './credentials.ts';
import { computeSecretStatus, isTerminal, type Verdict } from './status.ts';

export interface ContainerSecretReconcilerDeps {
  client: KubeClient;
  /** An engine to check credentials through (the one that pulls); undefined when none answers. */
  engine: () => ContainerBackend | undefined;
  events: EventRecorder;
  get: (key: string) => ContainerSecret | undefined;
  secret: (namespace: string, name: string) => Secret | undefined;
  now?: () => Date;
  onVerdict?: (reason: Verdict['reason']) => void;
}

export class ContainerSecretReconciler {
  private readonly deps: Required<ContainerSecretReconcilerDeps>;

  constructor(deps: ContainerSecretReconcilerDeps) {
    this.deps = { now: () => new Date(), onVerdict: () => undefined, ...deps };
  }

  readonly reconcile = async (key: string, ctx: ReconcileContext): Promise<Action> => {
    const csec = this.deps.get(key);
    if (!csec || csec.metadata.deletionTimestamp) return AWAIT_CHANGE;
    const verdict = await this.verify(csec, ctx.log);
    this.deps.onVerdict(verdict.reason);
    const { namespace = 'default', name } = splitKey(key);
    const path = objectPath(CONTAINER_SECRET, namespace, name);
    await writeStatus(this.deps.client, path, csec.status, computeSecretStatus(csec, verdict, this.deps.now()));
    // Working credentials are checked again at the controller's resync (they may be revoked).
    if (verdict.reason === 'Verified') return AWAIT_CHANGE;
    const kind = {
      ...csec,
      apiVersion: `${CONTAINER_SECRET.group}/${CONTAINER_SECRET.version}`,
      kind: CONTAINER_SECRET.kind,
    };
    this.deps.events.record(kind, 'Warning', verdict.reason, verdict.message);
    return isTerminal(verdict) ? AWAIT_CHANGE : BACKOFF;
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
    const engine = this.deps.engine();
    if (!engine)
      return { reason: 'RegistryUnreachable', message: 'No Docker engine answers to check the credentials through.' };
    try {
      // Never the password: only who logs in where (secrets stay out of logs, test/e2e/secrets.test.ts).
      log.debug({ server: auth.serveraddress, username: auth.username }, 'checking the credentials with the registry');
      await engine.checkAuth(auth);
      log.info({ server: auth.serveraddress }, 'registry accepted the credentials');
      return { reason: 'Verified', message: `${csec.spec.server} accepted the credentials of ${auth.username}.` };
    } catch (err) {
      if (err instanceof EngineUnavailableError)
        return { reason: 'RegistryUnreachable', message: `Docker is not answering: ${err.message}` };
      if (!(err instanceof RegistryAuthError)) throw err;
      const reason = err.kind === 'Unauthorized' ? 'AuthFailed' : 'RegistryUnreachable';
      log.info({ server: auth.serveraddress, reason }, 'registry check failed');
      return { reason, message: `${csec.spec.server}: ${errorMessage(err)}` };
    }
  }
}
