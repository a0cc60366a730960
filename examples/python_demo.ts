// `npm run demo:python`: the distributed trio with both languages. Our queue server
// (examples/queue_server.ts, serializer 'pickle') with a CPython producer and a Node consumer, then
// a Node producer and a CPython consumer; each round checks that all 20 results arrived exactly once.
// The Python programs (examples/python/) use stock multiprocessing.managers only.
//   node --import tsx examples/python_demo.ts
// Python: $PYTHON, else pyenv's 3.12.1 if present, else python3 on the PATH.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TrioManager, TRIO_AUTHKEY } from './queue_common.js';
import { ResultTally, addressOf, exitCodeOf, runPart, startQueueServer } from './trio_launch.js';

const pyenv312 = path.join(os.homedir(), '.pyenv/versions/3.12.1/bin/python3');
const PYTHON = process.env.PYTHON ?? (existsSync(pyenv312) ? pyenv312 : 'python3');
const env = { ...process.env, TRIO_AUTHKEY, TRIO_SERIALIZER: 'pickle' };

const label = (file: string, part: string): string => `${file.endsWith('.py') ? 'python' : 'node'} ${part}`;

/** One round: a fresh server, the given producer and consumer; true if every result arrived once. */
async function round(producerFile: string, consumerFile: string): Promise<boolean> {
  const { address, exited } = await startQueueServer(env);
  const tally = new ResultTally();
  const consumer = runPart(label(consumerFile, 'consumer'), consumerFile, [address], env, tally.onLine, PYTHON);
  const producer = runPart(label(producerFile, 'producer'), producerFile, [address], env, () => {}, PYTHON);
  const [producerCode, consumerCode] = await Promise.all([exitCodeOf(producer), exitCodeOf(consumer)]);
  const ok = tally.verdict(producerCode, consumerCode);

  const admin = new TrioManager({ address: addressOf(address), authkey: TRIO_AUTHKEY, serializer: 'pickle' });
  await admin.connect();
  await admin.shutdown();
  console.log(`server exited with code ${await exited}`);
  return ok;
}

console.log('--- a CPython producer and a Node consumer');
const first = await round('./python/queue_producer.py', './queue_consumer.ts');
console.log('--- a Node producer and a CPython consumer');
const second = await round('./queue_producer.ts', './python/queue_consumer.py');
process.exitCode = first && second ? 0 : 1;
