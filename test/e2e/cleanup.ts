// Cleanup steps of the e2e tests: every step runs, every failure is reported (src/local/cleanup.ts).
import type Docker from 'dockerode';
import { retryBusy, runAll } from '../../src/local/cleanup.ts';

export { runAll as cleanupSteps };

/** Force-removes every container with these labels, retrying what a just-restarted daemon refuses. */
export async function removeContainers(docker: Docker, labels: string[]): Promise<void> {
  const found = await docker.listContainers({ all: true, filters: { label: labels } });
  await runAll(found.map((c) => () => retryBusy(() => docker.getContainer(c.Id).remove({ force: true }))));
}
