// Docker's built-in network modes, and what each caller needs to know of them. Docker predefines
// three networks: bridge (its default bridge), host (the host's stack) and none (a loopback
// only). A network mode may also be "default" (the daemon's choice, the bridge on Linux, and no
// network's name) or container:<name>; any other mode names a user-defined network.

/** Modes without an endpoint of the container's own: none (loopback only) and host (the host's stack). */
const NO_OWN_NETWORK: readonly string[] = ['none', 'host'];

/** The container has no endpoint of its own, and Docker refuses to connect it to any other network. */
export function joinsNoNetwork(mode: string): boolean {
  return NO_OWN_NETWORK.includes(mode);
}

/**
 * The mode names a network the container can be created on with an endpoint, and attached to or
 * detached from by name: not none or host, and not "default", which is no network's name.
 * Docker's bridge is one (without aliases: see desired.ts).
 */
export function namesAttachableNetwork(mode: string): boolean {
  return !joinsNoNetwork(mode) && mode !== 'default';
}

/**
 * One of Docker's predefined networks, or "default": the planner does not rebuild a container
 * to take it off the one it was created on. Unlike namesAttachableNetwork, bridge counts here, so
 * a container created on bridge (spec.networks listing bridge first) is detached from it in
 * place when spec.networks drops it, where a user-defined network would rebuild it.
 */
export function isPredefinedNetwork(mode: string): boolean {
  return joinsNoNetwork(mode) || mode === 'default' || mode === 'bridge';
}

/**
 * Network modes and names every namespace may use, with no NativeContainerPolicy: they give no
 * access to the host (host does: it is gated as a host namespace) nor to another workload's
 * network (a user-defined network is gated by name).
 */
export const UNGATED_NETWORKS: readonly string[] = ['bridge', 'default', 'none'];
