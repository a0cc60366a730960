// The table on stdout, the JSON file in bench/results/, and the verdict of --check.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PYTHON } from './context.js';
import type { BenchOptions } from './options.js';
import type { Check, Latency, RowResult, Series } from './results.js';

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  python: string;
  platform: string;
  loadAverage: number[];
}

export function describeMachine(): Machine {
  let python: string;
  try {
    python = execFileSync(PYTHON, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    python = `${PYTHON} not found`;
  }
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    python,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg(),
  };
}

const COLUMNS = ['work', 'via', 'mpmanagers', 'CPython', 'floor', 'ratios', 'target', '', 'mp p50/p99/p99.9', 'CPython p50/p99/p99.9'] as const;

/** The results as a fixed-width text table, one line per row and transport. */
export function formatTable(rows: RowResult[]): string {
  const lines = rows.map((r) => [
    r.work,
    r.transport,
    cell(r.series.mpmanagers, r.unit),
    cell(r.series.cpython, r.unit),
    cell(r.series.floor, r.unit),
    Object.entries(r.ratios)
      .map(([name, ratio]) => `${formatRatio(ratio)} ${name}`)
      .join(', '),
    r.checks.map((c) => c.target).join('; '),
    r.checks.length === 0 ? '' : r.checks.every((c) => c.ok) ? 'ok' : 'MISSED',
    latencyCell(r.latency?.mpmanagers),
    latencyCell(r.latency?.cpython),
  ]);
  const table = [[...COLUMNS], ...lines];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((line) => line[i].length)));
  return table.map((line) => line.map((text, i) => text.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** The missed targets, one line each, with the measured figure. */
export function missedTargets(rows: RowResult[]): string[] {
  return rows.flatMap((r) =>
    r.checks.filter((c) => !c.ok).map((c) => `${r.work} (${r.transport}): ${c.target} — measured ${describeCheck(c)}`),
  );
}

export async function writeJson(root: string, payload: { machine: Machine; options: BenchOptions; rows: RowResult[]; failures: { row: string; error: string }[]; seconds: number }): Promise<string> {
  const dir = path.join(root, 'bench/results');
  await fs.mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `bench-${payload.options.quick ? 'quick-' : ''}${stamp}.json`);
  const text = `${JSON.stringify({ date: new Date().toISOString(), ...payload }, null, 2)}\n`;
  await fs.writeFile(file, text);
  await fs.writeFile(path.join(dir, 'latest.json'), text);
  return file;
}

/** One operation's latency percentiles: `45 / 120 / 900 µs` (ms from 10 ms up). */
function latencyCell(latency: Latency | undefined): string {
  if (latency === undefined) return '—';
  const { p50, p99, p999 } = latency;
  return p999 >= 10_000
    ? `${formatNumber(p50 / 1000)} / ${formatNumber(p99 / 1000)} / ${formatNumber(p999 / 1000)} ms`
    : `${formatNumber(p50)} / ${formatNumber(p99)} / ${formatNumber(p999)} µs`;
}

function cell(series: Series | undefined, unit: string): string {
  if (series === undefined) return '—';
  const spreadText = series.values.length > 1 ? ` ±${Math.round((series.spread * 100) / 2)}%` : '';
  return `${formatNumber(series.median)} ${unit}${spreadText}`;
}

function describeCheck(c: Check): string {
  return `${formatNumber(c.value)} (needs ${c.atLeast ? '≥' : '≤'} ${formatNumber(c.required)})`;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatRatio(ratio: number): string {
  return `${formatNumber(ratio)}×`;
}
