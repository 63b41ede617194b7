// Cleanup that runs every step even when one fails, then reports every failure: a step that
// throws must not leave the control plane, a daemon or containers running.
export async function cleanupSteps(steps: ReadonlyArray<() => Promise<unknown> | undefined>): Promise<void> {
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
