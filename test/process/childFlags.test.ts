// What a child process inherits of this process's Node flags, and how an exit is reported.
import { expect } from 'chai';
import { childExecArgv, exitCodeOf } from '../../lib/process/spawnChild.js';
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
