// The benchmark's table and bench/results/latest.json: every figure beside its raw baseline where
// there is one, the goal of issue 8, and whether it was met. Nothing is asserted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface Row {
  key: string;
  scenario: string;
  /** The raw Docker API's figure, when the goal is a ratio to it. */
  raw?: number;
  operator: number;
  unit: string;
  /** A ratio to raw, or an absolute maximum. */
  goal: { ratio: number } | { max: number };
  detail?: Record<string, number>;
}

export function met(r: Row): boolean {
  if ('ratio' in r.goal) return r.raw !== undefined && r.operator / r.raw <= r.goal.ratio;
  return r.operator <= r.goal.max;
}

function figure(value: number, unit: string): string {
  if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
  if (unit === 's') return `${value.toFixed(2)} s`;
  if (unit === 'MB') return `${value.toFixed(0)} MB`;
  if (unit === '% of a core') return `${value.toFixed(2)} %`;
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
}

export function table(rows: Row[]): string {
  const lines = ['| scenario | raw Docker API | operator | ratio | goal | met |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const ratio = r.raw !== undefined ? `${(r.operator / r.raw).toFixed(2)}x` : '';
    const goal = 'ratio' in r.goal ? `<= ${r.goal.ratio}x raw` : `<= ${figure(r.goal.max, r.unit)}`;
    const raw = r.raw !== undefined ? figure(r.raw, r.unit) : '';
    lines.push(
      `| ${r.scenario} | ${raw} | ${figure(r.operator, r.unit)} | ${ratio} | ${goal} | ${met(r) ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}

export function writeResults(rows: Row[], machine: Record<string, string | number>, name = 'latest.json'): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${name}`;
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine, rows: rows.map((r) => ({ ...r, met: met(r) })) }, null, 2)}\n`,
  );
  return file;
}

export function machine(dockerVersion: string): Record<string, string | number> {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? '',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    docker: dockerVersion,
    networkMode: 'none',
  };
}
