// What Docker's build stream says, kept as the status needs it (pure): the step under way
// (`Step 3/5 : RUN make`), the last lines of output, and the first error. Every complete line also
// goes to `onLine`, for the operator's log.
import type { BuildProgress } from '../../api/image-build.ts';
import type { StreamMessage } from '../../backend/image-builder.ts';

/** Lines of output kept for status. */
export const OUTPUT_LINES = 20;

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
// The image a step left (or, for FROM, the base image): " ---> 0123456789ab".
const LAYER = /^ ---> ([0-9a-f]{12,64})$/;
// Per-layer download and push chatter: a line a second per layer, worth nothing afterwards.
const CHATTER =
  /^(Downloading|Extracting|Waiting|Pushing|Preparing|Verifying Checksum|Download complete|Pull complete)/;

export class BuildLog {
  private readonly kept: string[] = [];
  private partial = '';
  private current: BuildProgress | undefined;
  private firstError: string | undefined;
  private failedAt: string | undefined;
  private pushed: string | undefined;
  private readonly images: string[] = [];
  private readonly onLine: (line: string) => void;

  constructor(onLine: (line: string) => void = () => undefined) {
    this.onLine = onLine;
  }

  feed(m: StreamMessage): void {
    if (m.stream !== undefined) this.text(m.stream);
    else if (m.status !== undefined && !CHATTER.test(m.status)) this.line(m.id ? `${m.id}: ${m.status}` : m.status);
    if (m.aux?.Digest) this.pushed = m.aux.Digest;
    const error = m.errorDetail?.message ?? m.error;
    if (error !== undefined) this.failed(error.trim());
  }

  private failed(message: string): void {
    this.flush();
    this.line(message);
    if (this.firstError !== undefined) return;
    this.firstError = message;
    if (this.current) this.failedAt = stepText(this.current);
  }

  /** Ends a last line without a newline. */
  flush(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
  }

  get progress(): BuildProgress | undefined {
    return this.current;
  }

  get output(): string[] {
    return [...this.kept];
  }

  get error(): string | undefined {
    return this.firstError;
  }

  /** The step that was running when the first error came, such as "Step 2/3 : RUN false". */
  get failedStep(): string | undefined {
    return this.failedAt;
  }

  /** The images the steps left, in order; the first is the base image of FROM. */
  get layers(): string[] {
    return [...this.images];
  }

  /** The digest a push reported (aux.Digest). */
  get digest(): string | undefined {
    return this.pushed;
  }

  private text(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.line(part);
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, '').trimEnd();
    if (line === '') return;
    const layer = LAYER.exec(line);
    if (layer) this.images.push(layer[1]!);
    const step = STEP.exec(line);
    if (step) this.current = { step: Number(step[1]), steps: Number(step[2]), instruction: step[3]! };
    this.onLine(line);
    this.kept.push(line);
    if (this.kept.length > OUTPUT_LINES) this.kept.shift();
  }
}

export function stepText(p: BuildProgress): string {
  return `Step ${p.step}/${p.steps} : ${p.instruction}`;
}
