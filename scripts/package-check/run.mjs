// Proves the package as a user gets it: packs it (npm pack, which builds it through `prepack`),
// installs the tarball into an empty folder with its dependencies only (no dev dependencies, no
// tsx, no ts-node), and there runs an ES module and a CommonJS consumer, type-checks a strict
// TypeScript consumer against the shipped declarations, and runs the `mpmanagers` command from
// node_modules/.bin (serve, ping, SIGTERM). Exits 1 at the first failure.
//   node scripts/package-check/run.mjs [--keep]     (npm run check:package)
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const keep = process.argv.includes('--keep');
const started = performance.now();

function step(title) {
  console.log(`--- ${title} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

async function sh(command, args, options = {}) {
  try {
    return await run(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 120_000, ...options });
  } catch (error) {
    process.stderr.write(`${[command, ...args].join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}\n`);
    throw error;
  }
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'mpmanagers-package-'));
try {
  step('npm pack (builds through prepack)');
  const packed = await sh('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  const tarball = path.join(scratch, info.filename);
  const files = info.files.map((f) => f.path);
  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  console.log(`${info.filename}: ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked, ${files.length} files`);
  const stray = files.filter((f) => !/^(dist\/|README\.md$|SECURITY\.md$|LICENSE$|package\.json$)/.test(f));
  if (stray.length > 0) throw new Error(`files that should not ship: ${stray.join(', ')}`);
  for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'LICENSE']) {
    if (!files.includes(needed)) throw new Error(`${needed} is missing from the tarball`);
  }

  step('npm install <tarball> into an empty folder (dependencies only)');
  const app = path.join(scratch, 'app');
  await sh('mkdir', ['-p', app]);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', tarball], { cwd: app });
  const installed = await readdir(path.join(app, 'node_modules'));
  for (const loader of ['tsx', 'ts-node', 'typescript', 'esbuild']) {
    if (installed.includes(loader)) throw new Error(`${loader} was installed: the check would not prove the package runs without it`);
  }
  for (const file of ['work.mjs', 'managers.mjs', 'consumer.mjs', 'consumer.cjs', 'consumer.ts']) await copyFile(path.join(here, file), path.join(app, file));

  step('ES module consumer');
  console.log((await sh(process.execPath, ['consumer.mjs'], { cwd: app })).stdout.trim());

  step('CommonJS consumer (require of the ES module entry)');
  console.log((await sh(process.execPath, ['consumer.cjs'], { cwd: app })).stdout.trim());

  step('strict TypeScript consumer (nodenext) against the shipped declarations');
  await writeFile(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'ESNext.Disposable'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        // A TypeScript user has @types/node; the check borrows the repository's.
        typeRoots: [path.join(root, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }),
  );
  await sh(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
  console.log('tsc: no errors');

  step('the mpmanagers command from node_modules/.bin');
  await cliCheck(app);

  // Last, as it adds a loader to the folder: TypeScript user modules under tsx (the repository's).
  step('TypeScript user modules under tsx, with the installed JavaScript package');
  await symlink(path.join(root, 'node_modules/tsx'), path.join(app, 'node_modules/tsx'), 'dir');
  for (const file of ['work.ts', 'consumer-tsx.ts']) await copyFile(path.join(here, file), path.join(app, file));
  console.log((await sh(process.execPath, ['--import', 'tsx', 'consumer-tsx.ts'], { cwd: app })).stdout.trim());
  console.log(`package check passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} finally {
  if (keep) console.log(`kept ${scratch}`);
  else await rm(scratch, { recursive: true, force: true });
}

async function cliCheck(app) {
  const bin = path.join(app, 'node_modules/.bin/mpmanagers');
  if (((await stat(bin)).mode & 0o111) === 0) throw new Error('node_modules/.bin/mpmanagers is not executable');
  const help = await sh(bin, ['--help'], { cwd: app });
  if (!help.stdout.includes('serve')) throw new Error(`mpmanagers --help does not list serve:\n${help.stdout}`);
  const env = { ...process.env, MPMANAGERS_AUTHKEY: 'c0ffee' + '00'.repeat(13) };
  const server = spawn(bin, ['serve', '--address', '127.0.0.1:0'], { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      exited.then(({ code }) => reject(new Error(`mpmanagers serve exited with ${code} before serving`)));
    });
    console.log(line);
    const address = /^serving on (\S+)$/.exec(line)?.[1];
    if (address === undefined) throw new Error(`unexpected first line: ${line}`);
    console.log((await sh(bin, ['ping', '--address', address], { cwd: app, env })).stdout.trim());
  } finally {
    server.kill('SIGTERM');
  }
  const { code, signal } = await exited;
  if (code !== 0) throw new Error(`mpmanagers serve ended with code ${code} (signal ${signal}) after SIGTERM, not 0`);
  console.log('serve: exit 0 after SIGTERM');
}
