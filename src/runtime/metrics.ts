// Prometheus metrics under controller-runtime's names, so existing dashboards for Go operators
// work unchanged, plus the operator's own (managed containers, Docker operations, drift repairs).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60];
const QUEUE_BUCKETS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000];

export class Metrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: RECONCILE_BUCKETS,
    registers: [this.registry],
  });
  readonly maxConcurrentReconciles = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested',
    labelNames: ['name'],
    buckets: QUEUE_BUCKETS,
    registers: [this.registry],
  });
  readonly workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes',
    labelNames: ['name'],
    buckets: QUEUE_BUCKETS,
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly managedContainers = new Gauge({
    name: 'nco_managed_containers',
    help: 'Docker containers carrying the operator labels, by Docker state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly dockerOperations = new Counter({
    name: 'nco_docker_operations_total',
    help: 'Docker operations by type and result',
    labelNames: ['operation', 'result'],
    registers: [this.registry],
  });
  readonly driftRepairs = new Counter({
    name: 'nco_drift_repairs_total',
    help: 'Reconciles that changed a container which had drifted from its spec, by cause',
    labelNames: ['cause'],
    registers: [this.registry],
  });
  readonly orphansRemoved = new Counter({
    name: 'nco_orphan_containers_removed_total',
    help: 'Containers with operator labels and no owning resource that were removed',
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'nco_watch_restarts_total',
    help: 'Watch streams restarted, by reason (idle, gone, error, closed)',
    labelNames: ['resource', 'reason'],
    registers: [this.registry],
  });
  readonly relists = new Counter({
    name: 'nco_informer_lists_total',
    help: 'Full lists of a resource (first sync and every relist)',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  readonly dockerEventStreams = new Counter({
    name: 'nco_docker_event_streams_total',
    help: 'Docker event subscriptions opened (the first, and one per reconnect)',
    registers: [this.registry],
  });
  readonly isLeader = new Gauge({
    name: 'leader_election_master_status',
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
    labelNames: ['name'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
