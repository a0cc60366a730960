// Start-up: a manager's server process, a Process started and joined, a Pool(2) and its first map,
// each in a fresh process, against CPython 3.11's spawn start method in the same rounds. Two rows per
// case: the built package (plain JavaScript, what an installed mpmanagers runs; ≤ 2× CPython) and the
// TypeScript sources with a TypeScript user module under tsx (the development route; ≤ 0.7 s). Full
// runs add the same under ts-node, for comparison.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PYTHON } from '../harness/context.js';
import { check, row, type RowResult } from '../harness/results.js';
import { median } from '../harness/stats.js';
import type { Row } from './common.js';

const run = promisify(execFile);
const CASES = [
  { what: 'manager', work: 'SyncManager().start()' },
  { what: 'process', work: 'Process start + join' },
  { what: 'pool', work: 'Pool(2) + first map' },
] as const;

/** The {"ms": ...} a start-up script prints. */
async function startupMs(command: string, args: string[]): Promise<number> {
  const { stdout } = await run(command, args, { timeout: 60_000 });
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number }).ms;
}

export const startupRow: Row = {
  id: 'startup',
  async run(bench) {
    if (bench.options.tsx) throw new Error('the startup row runs its built case as plain JavaScript: run it without --tsx');
    // The built package is what this row is about: build it as `npm pack` would.
    await run(process.execPath, [path.join(bench.root, 'scripts/build.mjs')], { cwd: bench.root, timeout: 120_000 });
    const dist = pathToFileURL(path.join(bench.root, 'dist/index.js')).href;
    const sources = pathToFileURL(path.join(bench.root, 'lib/index.ts')).href;
    const url = (file: string): string => pathToFileURL(file).href;
    const results: RowResult[] = [];
    for (const { what, work } of CASES) {
      const typescript = (loader: string[]) => () =>
        startupMs(process.execPath, [...loader, path.join(bench.root, 'bench/workers/startup.ts'), what, sources, url(path.join(bench.root, 'bench/workers/startupWork.ts'))]);
      const systems: Record<string, () => Promise<number>> = {
        built: () => startupMs(process.execPath, [bench.scriptFor('bench/workers/startup.ts'), what, dist, url(bench.scriptFor('bench/workers/startupWork.ts'))]),
        cpython: () => startupMs(PYTHON, [path.join(bench.root, 'bench/python/startup.py'), what]),
        tsx: typescript(['--import', 'tsx']),
      };
      // ts-node (what the examples used before): full runs only, for comparison; no target of its own.
      if (!bench.options.quick) systems.tsNode = typescript(['--no-warnings=ExperimentalWarning', '--loader', 'ts-node/esm']);
      const values: Record<string, number[] | undefined> = await bench.rounds(bench.options.sizes.reps, systems);
      results.push(
        row({ id: `startup-${what}`, work: `${work} (built package)`, unit: 'ms', transport: 'tcp' }, { mpmanagers: values.built!, cpython: values.cpython! }, (m) => {
          const vsPython = m.mpmanagers! / m.cpython!;
          return { ratios: { 'vs CPython': vsPython }, checks: [check('≤ 2× CPython spawn', vsPython, 2, false)] };
        }),
        row({ id: `startup-${what}-tsx`, work: `${work} (TypeScript under tsx)`, unit: 'ms', transport: 'tcp' }, { mpmanagers: values.tsx!, cpython: values.cpython! }, (m) => ({
          ratios: { 'vs CPython': m.mpmanagers! / m.cpython! },
          checks: [check('≤ 0.7 s', m.mpmanagers! / 1000, 0.7, false)],
        })),
      );
      if (values.tsNode !== undefined) {
        results.push(
          row({ id: `startup-${what}-ts-node`, work: `${work} (TypeScript under ts-node)`, unit: 'ms', transport: 'tcp' }, { mpmanagers: values.tsNode, cpython: values.cpython! }, (m) => ({
            ratios: { 'vs CPython': m.mpmanagers! / m.cpython!, 'vs tsx': m.mpmanagers! / median(values.tsx!) },
          })),
        );
      }
    }
    return results;
  },
};
