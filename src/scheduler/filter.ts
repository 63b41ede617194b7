// Filter: the first reason a host cannot take a request, or undefined when it can. The reasons are
// the words of the unschedulable message ("1 cordoned, 2 insufficient memory"), so they are short.
import { selects } from '../api/label-selector.ts';
import type { HostSnapshot, PlacementRequest } from './types.ts';

export function whyNot(host: HostSnapshot, req: PlacementRequest): string | undefined {
  if (req.hostName !== undefined && host.name !== req.hostName) return 'not the requested host';
  if (req.volumesOn !== undefined && host.name !== req.volumesOn) return 'volumes on another host';
  if (req.exclude?.has(host.name)) return 'being left';
  if (!host.ready) return 'not ready';
  if (host.unschedulable) return 'cordoned';
  if (req.hostSelector && !selects(req.hostSelector, host.labels)) return 'not matching the host selector';
  return capacityProblem(host, req) ?? portProblem(host, req);
}

function capacityProblem(host: HostSnapshot, req: PlacementRequest): string | undefined {
  const { milliCpu, memoryBytes } = host.allocatable;
  if (milliCpu !== undefined && host.allocated.milliCpu + req.milliCpu > milliCpu) return 'insufficient cpu';
  if (memoryBytes !== undefined && host.allocated.memoryBytes + req.memoryBytes > memoryBytes)
    return 'insufficient memory';
  return undefined;
}

function portProblem(host: HostSnapshot, req: PlacementRequest): string | undefined {
  for (const p of req.ports) if (host.ports.has(p)) return 'host port in use';
  return undefined;
}
