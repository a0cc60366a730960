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
//
// Two small dependencies are bundled rather than imported: `debug` and `@msgpack/msgpack`. Both are
// CommonJS as Node resolves them, and an ES module importing CommonJS makes Node scan each file for
// its exports (cjs-module-lexer) and start its CommonJS loader: ~70 M instructions for debug and
// ~50 M for msgpack's 17 files, against ~30 M and ~13 M bundled (valgrind, one child) — 4–5 ms of
// every child's start-up. Neither crosses the public API as an object (the .d.ts files still name
// msgpack's types, so both stay dependencies). The bundled `debug` reads DEBUG=mpmanagers:* from
// the environment as before; a program's own `debug` module no longer reaches the library's loggers.
// `debug` looks for `supports-color` with a guarded require(): left to whatever is installed.
//
// `node scripts/build.mjs --js-only --outdir <dir> --metafile <file>` writes only the JavaScript, and
// esbuild's account of which module landed in which file (test/build/childGraph.test.ts reads it).
import { chmod, cp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({ options: { 'js-only': { type: 'boolean' }, outdir: { type: 'string' }, metafile: { type: 'string' } } });
const dist = path.resolve(flags.outdir ?? path.join(root, 'dist'));

// lib/-relative, without the extension. test/build/entries.test.ts fails when a file that the library
// loads by path (spawnChild('...'), siblingUrl('...')) is missing from this list.
const ENTRIES = JSON.parse(await readFile(path.join(root, 'scripts/entries.json'), 'utf8'));

/** The packages bundled into the chunks (see above), with what they import. */
const BUNDLED = new Set(['debug', 'ms', '@msgpack/msgpack']);

await rm(dist, { recursive: true, force: true });
if (!flags['js-only']) execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRIES.map((entry) => `lib/${entry}.ts`),
  outbase: 'lib',
  outdir: dist,
  entryNames: '[dir]/[name]',
  chunkNames: 'process/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Every other dependency stays an import, installed beside the package.
  plugins: [
    {
      name: 'external-dependencies',
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, ({ path: specifier }) => {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
          return BUNDLED.has(name) ? undefined : { path: specifier, external: true };
        });
      },
    },
  ],
  mainFields: ['module', 'main'], // msgpack's ES module build
  // The bundled CommonJS (debug) calls require() for Node's own modules.
  banner: { js: "import { createRequire as __mpmanagersCreateRequire } from 'node:module';\nconst require = __mpmanagersCreateRequire(import.meta.url);" },
  sourcemap: true,
  metafile: flags.metafile !== undefined,
  logLevel: 'warning',
});
if (flags.metafile !== undefined) await writeFile(flags.metafile, JSON.stringify(result.metafile));
await chmod(path.join(dist, 'cli/main.js'), 0o755);
// The dashboard reads its static page next to its own module, which lands in a shared chunk of
// dist/process/ (see chunkNames above).
await cp(path.join(root, 'lib/dashboard/page'), path.join(dist, 'process/page'), { recursive: true });
