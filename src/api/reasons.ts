// The condition reasons and one-word states a NativeContainer's status can show: typed, so that
// a new reason is a deliberate change of the API (and of the README's table), not a free string.

/** Reasons of the Ready, Reconciling and Stalled conditions. */
export type NativeContainerReason =
  // Ready=True: as desired.
  | 'Running'
  | 'Stopped'
  | 'Paused'
  // Work under way.
  | 'Creating'
  | 'ImagePulling'
  | 'Rebuilding'
  | 'Deleting'
  | 'Reconciling'
  | 'Stopping'
  | 'Pausing'
  // What the container does.
  | 'Starting'
  | 'Unhealthy'
  | 'CrashLooping'
  | 'Completed'
  | 'Failed'
  | 'Created'
  | 'Exited'
  | 'Dead'
  | 'Restarting'
  | 'Removing'
  // Placement on a ContainerHost (the Scheduled and HostReady conditions, and Ready while unplaced).
  | 'Scheduled'
  | 'Unschedulable'
  | 'Rescheduled'
  | 'HostReady'
  | 'HostNotReady'
  | 'HostNotFound'
  // Failures: retried.
  | 'ImagePullFailed'
  | 'ImageBuildPending'
  | 'DockerUnreachable'
  | 'DockerError'
  | 'HostPortConflict'
  // Failures: waiting for a change (Stalled).
  | 'RegistryAuthFailed'
  | 'ImageNotFound'
  | 'SecretNotFound'
  | 'ConfigMapNotFound'
  | 'InvalidSpec'
  /** What the spec asks of the Docker host no NativeContainerPolicy of the namespace allows. */
  | 'PolicyViolation'
  // UpdateAvailable and RolledBack (spec.imageUpdate).
  | 'UpToDate'
  | 'UpdateAvailable'
  | 'UpdateCheckFailed'
  | 'RolledBack'
  | 'NoRollback'
  // Reconciling=False and Stalled=False.
  | 'Reconciled'
  | 'NotStalled';

/** status.state: one word for `kubectl get`. */
export type NativeContainerState =
  | 'Pending'
  | 'Creating'
  | 'Pulling'
  | 'Rebuilding'
  | 'Created'
  | 'Running'
  | 'Paused'
  | 'Restarting'
  | 'Exited'
  | 'Completed'
  | 'Failed'
  | 'Dead'
  | 'Removing'
  | 'Deleting'
  | 'Unknown'
  | 'Error';
