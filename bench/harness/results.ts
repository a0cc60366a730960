// What a row produces: per transport, the values of each system, the ratios between their medians,
// and the targets of the table checked against them.
import type { Transport } from './options.js';
import { median, spread } from './stats.js';

export type SystemName = 'mpmanagers' | 'cpython' | 'floor';

export interface Series {
  values: number[];
  median: number;
  /** (max − min) / median of the values. */
  spread: number;
}

export interface Check {
  /** The target as the table words it. */
  target: string;
  /** The measured figure the target is about (a ratio, or bytes/entry, ...). */
  value: number;
  required: number;
  /** True: value must be >= required; false: value must be <= required. */
  atLeast: boolean;
  ok: boolean;
}

export interface RowResult {
  /** The row's id (see bench/rows/index.ts), plus a variant: 'aggregate-16', 'binary-1MiB'. */
  id: string;
  work: string;
  unit: string;
  transport: Transport;
  series: Partial<Record<SystemName, Series>>;
  /** Medians divided: 'vs CPython', 'vs floor', ... */
  ratios: Record<string, number>;
  /** Targets are checked on TCP only (over Unix sockets CPython has no Nagle stall to lose). */
  checks: Check[];
  note?: string;
  /** Per system: the median over the measured rounds of each latency percentile, microseconds. */
  latency?: Partial<Record<SystemName, Latency>>;
}

/** Percentiles of one operation's latency, microseconds (a job's answer: bench/workers/timing.ts). */
export interface Latency {
  p50: number;
  p99: number;
  p999: number;
}

/** The latency of the job answer read last (rate() notes it; Bench.rounds files it under its system). */
let answered: Latency | undefined;
/** Latencies of the rounds measured since the last row() call, by system. */
let measured: Record<string, Latency[]> = {};

export function noteLatency(latency: Latency | undefined | null): void {
  answered = latency ?? undefined;
}

/** Files the latency noted last (if any) under `system`: called after each measured round. */
export function fileLatency(system: string): void {
  if (answered !== undefined) (measured[system] ??= []).push(answered);
  answered = undefined;
}

/** The latencies filed since the last call, medians per percentile, and starts afresh. */
function takeLatencies(): Partial<Record<SystemName, Latency>> | undefined {
  const filed = measured;
  measured = {};
  answered = undefined;
  const out: Partial<Record<SystemName, Latency>> = {};
  for (const [system, list] of Object.entries(filed)) {
    out[system as SystemName] = {
      p50: median(list.map((l) => l.p50)),
      p99: median(list.map((l) => l.p99)),
      p999: median(list.map((l) => l.p999)),
    };
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

export function seriesOf(values: number[]): Series {
  return { values, median: median(values), spread: spread(values) };
}

export function check(target: string, value: number, required: number, atLeast = true): Check {
  return { target, value, required, atLeast, ok: atLeast ? value >= required : value <= required };
}

/** A row from values by system; `ratios` and `checks` are computed by the caller from the medians. */
export function row(
  fields: Omit<RowResult, 'series' | 'ratios' | 'checks'>,
  values: Partial<Record<SystemName, number[]>>,
  derive: (medians: Partial<Record<SystemName, number>>) => { ratios?: Record<string, number>; checks?: Check[] } = () => ({}),
): RowResult {
  const series: Partial<Record<SystemName, Series>> = {};
  const medians: Partial<Record<SystemName, number>> = {};
  for (const [name, list] of Object.entries(values) as [SystemName, number[]][]) {
    series[name] = seriesOf(list);
    medians[name] = series[name].median;
  }
  const { ratios = {}, checks = [] } = derive(medians);
  const latency = takeLatencies();
  return { ...fields, series, ratios, checks: fields.transport === 'tcp' ? checks : [], ...(latency === undefined ? {} : { latency }) };
}
