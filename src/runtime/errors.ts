// Typed errors of a reconcile. The error policy of the controller decides from the type:
// a TerminalError waits for a change of the resource; anything else backs off and retries.

/** A problem retrying cannot fix (invalid spec, missing secret): set a condition and wait for a change. */
export class TerminalError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
