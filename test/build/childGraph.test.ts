// What a child process loads before it can start: the static import graph of its entry script in
// the built package (esbuild's metafile). A Process child with plain args needs none of the
// proxy-rebuilding machinery (a manager client, the codec); both it and a manager child load
// ProxyConnections only when their args hold something to rebuild (see processChild.ts,
// managerChild.ts). debug and @msgpack/msgpack are bundled, not imported as
// CommonJS (see scripts/build.mjs).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

/** The source modules and the external imports reached from `entry` by static imports only. */
function staticGraph(meta: Metafile, entry: string): { modules: Set<string>; externals: Set<string> } {
  const modules = new Set<string>();
  const externals = new Set<string>();
  const seen = new Set<string>();
  const visit = (output: string): void => {
    if (seen.has(output)) return;
    seen.add(output);
    const file = meta.outputs[output];
    expect(file, output).to.not.equal(undefined);
    for (const input of Object.keys(file.inputs)) modules.add(input);
    for (const imported of file.imports) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external === true) externals.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(Object.keys(meta.outputs).find((output) => output.endsWith(entry))!);
  return { modules, externals };
}

describe('built child entry points', function () {
  this.timeout(120_000);
  let dir: string;
  let meta: Metafile;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mpmanagers-build-'));
    const metafile = path.join(dir, 'meta.json');
    await promisify(execFile)(process.execPath, [path.join(root, 'scripts/build.mjs'), '--js-only', '--outdir', path.join(dir, 'dist'), '--metafile', metafile], {
      cwd: root,
    });
    meta = JSON.parse(await readFile(metafile, 'utf8')) as Metafile;
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a Process child loads the proxy machinery only on demand', () => {
    const { modules } = staticGraph(meta, 'process/processChild.js');
    expect(modules).to.include('lib/process/processChild.ts');
    for (const heavy of ['lib/process/proxyConnections.ts', 'lib/client/session.ts', 'lib/codec/codec.ts', 'lib/manager/baseManager.ts', 'lib/server/server.ts']) {
      expect(modules, heavy).to.not.include(heavy);
    }
    // ...but it is there for the args that hold proxies.
    const lazy = meta.outputs[Object.keys(meta.outputs).find((output) => output.endsWith('process/processChild.js'))!].imports;
    expect(lazy.some((imported) => imported.kind === 'dynamic-import' && imported.path.endsWith('process/proxyConnections.js'))).to.equal(true);
  });

  it('a manager child loads the server, and what rebuilds initargs only on demand', () => {
    const { modules } = staticGraph(meta, 'process/managerChild.js');
    expect(modules).to.include.members(['lib/server/server.ts', 'lib/manager/syncManager.ts']);
    expect(modules).to.not.include.members(['lib/process/proxyConnections.ts']);
    expect(modules).to.not.include('lib/process/localArgs.ts');
  });

  it('children import no CommonJS dependency: debug and msgpack are bundled', () => {
    for (const entry of ['process/processChild.js', 'process/managerChild.js']) {
      const { modules, externals } = staticGraph(meta, entry);
      expect([...externals].filter((name) => !name.startsWith('node:')), entry).to.deep.equal([]);
      expect([...modules].some((module) => module.startsWith('node_modules/debug/')), entry).to.equal(true);
    }
    expect([...staticGraph(meta, 'process/managerChild.js').modules].some((module) => module.startsWith('node_modules/@msgpack/msgpack/dist.esm/'))).to.equal(true);
  });

  it('the main entry loads ioredis only when a RedisManager connects', () => {
    const { externals } = staticGraph(meta, 'index.js');
    expect([...externals]).to.not.include('ioredis');
    const dynamic = Object.values(meta.outputs).flatMap((output) => output.imports.filter((imported) => imported.kind === 'dynamic-import' && imported.path === 'ioredis'));
    expect(dynamic).to.not.have.length(0);
  });
});
