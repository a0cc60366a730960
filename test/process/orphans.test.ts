// A parent that dies, even by SIGKILL, takes its server and Process children with it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually, expectNoLeftoverProcesses, fixture, isRunning } from './helpers.js';

describe('children of a SIGKILLed parent', function () {
  this.timeout(60_000);
  expectNoLeftoverProcesses();

  it('the manager server and a running Process exit when their parent is SIGKILLed', async () => {
    const parent = spawn(process.execPath, [...process.execArgv, fileURLToPath(fixture('orphanParent'))], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => parent.once('exit', resolve));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      parent.once('exit', (code) => reject(new Error(`the parent exited early (code ${code})`)));
    });
    const pids = JSON.parse(line) as { server: number; process: number };
    expect(isRunning(pids.server)).to.equal(true);
    expect(isRunning(pids.process)).to.equal(true);

    parent.kill('SIGKILL');
    await exited;
    await eventually(() => !isRunning(pids.server) && !isRunning(pids.process), 15);
  });
});
