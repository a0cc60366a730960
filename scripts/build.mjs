// npm run build: lib/ → dist/. tsc writes the declaration files (module for module, as lib/ is laid
// out); esbuild writes the JavaScript, with source maps that carry their sources.
//
// Why a bundler and not tsc's own JavaScript: every child process (manager.start(), a Process) loads
// the library afresh, and Node 20 spends about half a millisecond per ES module on resolving and
// linking it, with no compile cache to reuse. tsc's 100-odd modules cost a child ~90 ms; the same code
// in a few shared chunks ~40 ms, which is what brings those start-ups within 2× of CPython's spawn.
//
// The entry points are every file loaded by path rather than by import: the public entry, the CLI,
// and the scripts the library starts in other processes and threads (spawnChild.ts and pool.ts find
// them as siblings of their own module). Code splitting keeps one copy of each module shared by all
// entries, so `instanceof` holds between a user's import of 'mpmanagers' and a child's runtime. The
// shared chunks are written into dist/process/, beside the child entries, because the code that
// locates those entries (now inside a chunk) looks next to itself.
import { chmod, cp, readFile, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

// lib/-relative, without the extension. test/build/entries.test.ts fails when a file that the library
// loads by path (spawnChild('...'), siblingUrl('...')) is missing from this list.
const ENTRIES = JSON.parse(await readFile(path.join(root, 'scripts/entries.json'), 'utf8'));

await rm(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
await build({
  absWorkingDir: root,
  entryPoints: ENTRIES.map((entry) => `lib/${entry}.ts`),
  outbase: 'lib',
  outdir: 'dist',
  entryNames: '[dir]/[name]',
  chunkNames: 'process/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external', // the dependencies stay imports, installed beside the package
  sourcemap: true,
  logLevel: 'warning',
});
await chmod(path.join(dist, 'cli/main.js'), 0o755);
// The dashboard reads its static page next to its own module, which lands in a shared chunk of
// dist/process/ (see chunkNames above).
await cp(path.join(root, 'lib/dashboard/page'), path.join(dist, 'process/page'), { recursive: true });
