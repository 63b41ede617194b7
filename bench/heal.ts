// Restart on unhealthy (issue 13): from the moment a container's healthcheck starts failing to
// the moment Docker reports the operator's restart, against Docker's own detection of the failure
// (interval x retries) in the same run. Goal: restarted within interval x retries + 2 s.
import { TEST_IMAGE } from '../src/local/test-image.ts';
import { p50 } from './raw.ts';
import type { Row } from './report.ts';
import { deleteAll, NS, type Bench } from './setup.ts';

const REPEATS = 5;
const INTERVAL_SECONDS = 1;
const RETRIES = 2;

export async function heal(b: Bench): Promise<Row[]> {
  const detected: number[] = [];
  const restarted: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const name = `heal${i}`;
    const healthy = b.events.next('health_status', (owner) => owner === name);
    await b.client.create(`/apis/nativecontainer.io/v1alpha1/namespaces/${NS}/nativecontainers`, {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'NativeContainer',
      metadata: { name, namespace: NS, labels: { bench: 'heal' } },
      spec: {
        image: TEST_IMAGE,
        command: ['/bin/sh', '-c', 'touch /tmp/healthy; trap "exit 0" TERM; sleep 3600 & wait'],
        healthcheck: {
          command: ['test', '-e', '/tmp/healthy'],
          intervalSeconds: INTERVAL_SECONDS,
          retries: RETRIES,
        },
      },
    });
    await healthy;
    const [c] = await b.docker.listContainers({ filters: { label: [`nativecontainer.io/owner-name=${name}`] } });
    if (!c) throw new Error(`${name} has no container`);
    const unhealthy = b.events.next('health_status', (_owner, id) => id === c.Id);
    const back = b.events.next('start', (_owner, id) => id === c.Id);
    const t0 = performance.now();
    const exec = await b.docker
      .getContainer(c.Id)
      .exec({ Cmd: ['/bin/busybox', 'rm', '/tmp/healthy'], AttachStdout: false });
    await exec.start({ Detach: true });
    detected.push((await unhealthy) - t0);
    restarted.push((await back) - t0);
  }
  await deleteAll(b, 'heal', REPEATS);
  return [
    {
      key: 'heal',
      scenario: `check fails -> restarted (interval ${INTERVAL_SECONDS} s x ${RETRIES} retries), p50; raw: Docker says unhealthy`,
      raw: p50(detected),
      operator: p50(restarted),
      unit: 'ms',
      goal: { max: INTERVAL_SECONDS * RETRIES * 1000 + 2000 },
      detail: { maxMs: Math.max(...restarted), afterDetectionP50Ms: p50(restarted.map((r, i) => r - detected[i]!)) },
    },
  ];
}
