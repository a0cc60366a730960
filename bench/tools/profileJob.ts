// Profiles one client job against an mpmanagers server: both processes run with --cpu-prof, the job
// runs long enough for start-up to be noise, and the top functions of each profile are printed.
//   node --import tsx bench/tools/profileJob.ts --job=dict_inflight [--seconds=8] [--unix] [--param depth=64]
//   node --import tsx bench/tools/profileJob.ts --server=floor --job=floor_inflight --param depth=64
//   node --import tsx bench/tools/profileJob.ts --setup=put_blob --job=binary --param key=b --param size=1048576
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readdir, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { transpileForChildren } from '../harness/build.js';
import { Bench } from '../harness/context.js';
import { parseOptions } from '../harness/options.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    job: { type: 'string', default: 'dict_seq' },
    seconds: { type: 'string', default: '8' },
    unix: { type: 'boolean', default: false },
    param: { type: 'string', multiple: true, default: [] },
    /** A job to run first, unprofiled in effect (e.g. put_blob before binary), with the same params. */
    setup: { type: 'string' },
    top: { type: 'string', default: '25' },
    /** Which server: mp (default) or floor (with --job=floor_inflight, to compare). */
    server: { type: 'string', default: 'mp' },
  },
});
const profiles = path.join(root, 'bench/results/profiles');
await rm(profiles, { recursive: true, force: true });
const build = await transpileForChildren(root);
const bench = new Bench(root, parseOptions(['--profile']), build);
try {
  const server = await bench.server(values.server === 'floor' ? 'floor' : 'mp', values.unix ? 'unix' : 'tcp');
  const client = await bench.nodeClient();
  const extra = Object.fromEntries(values.param.map((p) => p.split('=')).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)]));
  if (values.setup !== undefined) await client.request(values.setup, bench.params(server, extra));
  const result = await client.request(values.job, bench.params(server, { ...extra, warmup: 1, duration: Number(values.seconds) }));
  console.log(values.job, JSON.stringify(result));
} finally {
  await bench.stop();
  await build.remove();
}
for (const dir of await readdir(profiles)) {
  for (const file of await readdir(path.join(profiles, dir))) {
    const profile = path.join(profiles, dir, file);
    console.log(execFileSync(process.execPath, [...process.execArgv, path.join(root, 'bench/tools/profileTop.ts'), `--top=${values.top}`, profile], { encoding: 'utf8' }));
  }
}
