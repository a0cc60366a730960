// The mixed-language trio (issue 14 §4c): `npm run demo:python` under tsx. Our pickle-mode queue
// server with a CPython producer and a Node consumer, then the reverse; all 20 results exactly once.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { pythonBinary } from './pythonRun.js';

describe('pickle: the mixed Python/Node queue trio (demo:python)', function () {
  this.timeout(120_000);

  it('a CPython producer with a Node consumer, and the reverse: every result exactly once, both rounds', async () => {
    const demo = fileURLToPath(new URL('../../examples/python_demo.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', demo], { env: { ...process.env, PYTHON: pythonBinary('3.12') } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(output.match(/every one of the 20 results arrived exactly once/g), output).to.have.length(2);
    expect(output).to.contain('[python producer] producer done').and.contain('[python consumer] all 20 tasks done');
    expect(code, output).to.equal(0);
  });
});
