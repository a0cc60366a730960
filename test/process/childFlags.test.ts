// What a child process inherits of this process's Node flags, and how an exit is reported.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { childExecArgv, exitCodeOf, needsLoader } from '../../lib/process/spawnChild.js';
import { defaultChunksize } from '../../lib/process/poolTasks.js';

describe('child process flags and exit codes', () => {
  it('keeps loader flags and drops those that would run other code, debug, or watch', () => {
    expect(childExecArgv(['--import', 'tsx', '--no-warnings=ExperimentalWarning', '--loader', 'ts-node/esm'])).to.deep.equal([
      '--import',
      'tsx',
      '--no-warnings=ExperimentalWarning',
      '--loader',
      'ts-node/esm',
    ]);
    expect(childExecArgv(['--import=tsx', '-e', 'main()', '--inspect-brk', '--max-old-space-size=512'])).to.deep.equal([
      '--import=tsx',
      '--max-old-space-size=512',
    ]);
    expect(childExecArgv(['--eval=main()', '-p', '1 + 1', '--watch', '--inspect=9229', '--inspect-port', '9230', '-i'])).to.deep.equal([]);
  });

  it('drops the TypeScript loaders, and only them, when the child needs none', () => {
    const flags = ['--import', 'tsx', '--require', './tracing.cjs', '--loader=ts-node/esm', '--no-warnings=ExperimentalWarning', '-r', 'ts-node/register'];
    expect(childExecArgv(flags, false)).to.deep.equal(['--require', './tracing.cjs', '--no-warnings=ExperimentalWarning']);
    expect(childExecArgv(['--import=tsx/esm', '--experimental-loader', '@swc-node/register/esm', '--max-old-space-size=512'], false)).to.deep.equal([
      '--max-old-space-size=512',
    ]);
    expect(childExecArgv(flags, true)).to.deep.equal(flags);
  });

  it('a child needs a loader unless every module it imports is an existing JavaScript file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpm-flags-'));
    try {
      const js = pathToFileURL(path.join(dir, 'work.mjs')).href;
      const ts = pathToFileURL(path.join(dir, 'work.ts')).href;
      writeFileSync(new URL(js), 'export const x = 1;\n');
      writeFileSync(new URL(ts), 'export const x: number = 1;\n');
      expect(needsLoader([js])).to.equal(false);
      expect(needsLoader([js, ts])).to.equal(true);
      expect(needsLoader([pathToFileURL(path.join(dir, 'missing.js')).href])).to.equal(true);
      expect(needsLoader(['data:text/javascript,1'])).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports Python's exit codes: the code, or minus the signal number", () => {
    expect(exitCodeOf(0, null)).to.equal(0);
    expect(exitCodeOf(3, null)).to.equal(3);
    expect(exitCodeOf(null, 'SIGTERM')).to.equal(-15);
    expect(exitCodeOf(null, 'SIGKILL')).to.equal(-9);
  });

  it("Pool.map's default chunksize is Python's: about four chunks per worker", () => {
    expect(defaultChunksize(0, 4)).to.equal(1);
    expect(defaultChunksize(10, 4)).to.equal(1);
    expect(defaultChunksize(100, 4)).to.equal(7);
    expect(defaultChunksize(32, 4)).to.equal(2);
  });
});
