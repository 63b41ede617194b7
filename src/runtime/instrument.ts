// Hooks that feed the controller-runtime metrics from the queue, controller and informer.
import type { ControllerHooks } from './controller.ts';
import type { InformerHooks } from './informer.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { WorkQueueOptions } from './work-queue.ts';

export function instrumentQueue(metrics: RuntimeMetrics, name: string): WorkQueueOptions {
  let depth = 0;
  return {
    onAdd: () => metrics.queueAdds.inc({ name }),
    onDepth: (d) => {
      depth = d;
      metrics.queueDepth.set({ name }, depth);
    },
    onTake: (_key, waitedMs) => metrics.queueDuration.observe({ name }, waitedMs / 1000),
    onRetry: () => metrics.queueRetries.inc({ name }),
  };
}

export function instrumentController(metrics: RuntimeMetrics, controller: string, workers: number): ControllerHooks {
  metrics.maxConcurrentReconciles.set({ controller }, workers);
  metrics.activeWorkers.set({ controller }, 0);
  return {
    onResult: (result, seconds) => {
      const label = result === 'terminal' ? 'error' : result;
      metrics.reconcileTotal.inc({ controller, result: label });
      if (result === 'error' || result === 'terminal') metrics.reconcileErrors.inc({ controller });
      metrics.reconcileTime.observe({ controller }, seconds);
      metrics.workDuration.observe({ name: controller }, seconds);
    },
    onWorkers: (active) => metrics.activeWorkers.set({ controller }, active),
  };
}

export function instrumentInformer(metrics: RuntimeMetrics, resource: string): InformerHooks {
  return {
    onList: () => metrics.relists.inc({ resource }),
    onWatchRestart: (reason) => metrics.watchRestarts.inc({ resource, reason }),
  };
}
