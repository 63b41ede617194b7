// Cleanup that runs every step even when one fails, then reports every failure: a step that
// throws must not leave a control plane, a daemon or containers running.
export async function runAll(steps: ReadonlyArray<() => Promise<unknown> | undefined>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanup steps failed`);
}

/**
 * Retries what a Docker daemon refuses right after it was killed and restarted
 * (`device or resource busy` while it still holds a mount), then gives up with the last error.
 */
export async function retryBusy<T>(op: () => Promise<T>, attempts = 10, pauseMs = 500): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i >= attempts || !/device or resource busy/i.test(String(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
