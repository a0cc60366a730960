// The benchmark suite: mpmanagers against a stock CPython 3.11 manager and against the floor (a raw
// Node TCP ping-pong), every figure a ratio of medians measured in the same run.
//   npm run bench [-- --quick] [-- --check] [-- --only=seq,lock] [-- --tcp-only] [-- --profile]
// Prints a table, writes bench/results/bench-<date>.json (and latest.json); with --check, exits 1
// when a target of the issue's table is missed. See docs/performance.md.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourcesAsTheyAre, transpileForChildren } from './harness/build.js';
import { Bench } from './harness/context.js';
import { parseOptions } from './harness/options.js';
import { describeMachine, formatTable, missedTargets, writeJson } from './harness/report.js';
import type { RowResult } from './harness/results.js';
import { ROWS } from './rows/index.js';
import { drawsBars, progress } from './harness/progress.js';
import { stopBenchRedis } from './harness/redisServer.js';
import { settle } from './harness/settle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const options = parseOptions(process.argv.slice(2));
const rows = options.only === undefined ? ROWS : ROWS.filter((r) => options.only!.includes(r.id));
if (rows.length === 0) throw new Error(`--only names no row; the rows are: ${ROWS.map((r) => r.id).join(', ')}`);

const started = performance.now();
const machine = describeMachine();
console.log(`${machine.nproc} × ${machine.cpu}, node ${machine.node}, ${machine.python}, load ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
const build = options.tsx ? sourcesAsTheyAre(root) : await transpileForChildren(root);
const bench = new Bench(root, options, build);
const results: RowResult[] = [];
/** Rows that could not be measured: reported, and a failure under --check. */
const failures: { row: string; error: string }[] = [];
// On a terminal, a bar of rows done (the row tables print above it); plain lines otherwise.
const bar = progress('bench', rows.length, 'rows');
const note = (line: string): void => (drawsBars() ? bar.log(line) : void process.stderr.write(`${line}\n`));
try {
  for (const [index, r] of rows.entries()) {
    if (!options.quick) {
      // Not in the aftermath of the row before (bench/harness/settle.ts); --quick (CI) does not wait.
      bar.update(index, `waiting for the machine's run queue to drain before ${r.id}`);
      const { waitedS, longest } = await settle();
      if (waitedS > 1) note(`[before ${r.id}: waited ${waitedS.toFixed(1)} s for the run queue to drain (longest ${longest} runnable threads)]`);
    }
    bar.update(index, `measuring ${r.id}`);
    const rowStarted = performance.now();
    try {
      const measured = await r.run(bench);
      results.push(...measured);
      note(formatTable(measured));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ row: r.id, error: message });
      note(`row ${r.id} failed: ${message}`);
    }
    note(`[${r.id}: ${((performance.now() - rowStarted) / 1000).toFixed(1)} s]`);
  }
} finally {
  bar.stop();
  await bench.stop();
  await stopBenchRedis();
  await build.remove();
}

const seconds = (performance.now() - started) / 1000;
console.log(`\n${formatTable(results)}\n`);
const file = await writeJson(root, { machine, options, rows: results, failures, seconds });
console.log(`${results.length} rows in ${seconds.toFixed(0)} s; results in ${path.relative(process.cwd(), file)}`);
const missed = missedTargets(results);
if (options.quick) {
  // Quick sizes skip the warm-up rounds and measure fractions of a second: only the full run's ratios mean anything.
  console.log(`\n--quick: ${missed.length} target(s) not reached at quick sizes; targets are judged on a full run (npm run bench -- --check)`);
} else if (missed.length > 0) {
  console.log(`\nmissed targets:\n${missed.map((m) => `  - ${m}`).join('\n')}`);
}
for (const f of failures) console.log(`row ${f.row} could not be measured: ${f.error}`);
if (options.check && (missed.length > 0 || failures.length > 0)) process.exitCode = 1;
