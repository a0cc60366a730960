// `npm run demo:python`: the distributed trio with both languages. Our queue server
// (examples/queue_server.ts, serializer 'pickle') with a CPython producer and a Node consumer, then
// a Node producer and a CPython consumer; each round checks that all 20 results arrived exactly once.
// The Python programs (examples/python/) use stock multiprocessing.managers only.
//   node --no-warnings=ExperimentalWarning --loader ts-node/esm examples/python_demo.ts
// Python: $PYTHON, else pyenv's 3.12.1 if present, else python3 on the PATH.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TASK_COUNT, TrioManager, TRIO_AUTHKEY } from './queue_common.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const pyenv312 = path.join(os.homedir(), '.pyenv/versions/3.12.1/bin/python3');
const PYTHON = process.env.PYTHON ?? (existsSync(pyenv312) ? pyenv312 : 'python3');
const env = { ...process.env, TRIO_AUTHKEY, TRIO_SERIALIZER: 'pickle' };

/** Runs a Node example or a Python script; prefixes and echoes its output. */
function run(label: string, file: string, args: string[], onLine: (line: string) => void = () => {}): ChildProcess {
  const python = file.endsWith('.py');
  const child = spawn(python ? PYTHON : process.execPath, python ? [here(file), ...args] : [...process.execArgv, here(file), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    console.log(`[${label}] ${line}`);
    onLine(line);
  });
  return child;
}

async function exitCodeOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** One round: a fresh server, the given producer and consumer; true if every result arrived once. */
async function round(producerFile: string, consumerFile: string): Promise<boolean> {
  let serving: (address: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (serving = resolve));
  const server = run('server', './queue_server.ts', ['127.0.0.1:0'], (line) => {
    if (line.startsWith('serving on ')) serving(line.slice('serving on '.length));
  });
  const serverExit = exitCodeOf(server);
  const address = await Promise.race([
    listening,
    serverExit.then((code) => Promise.reject(new Error(`the server exited with code ${code} before listening`))),
  ]);

  const arrivals = new Map<number, number>();
  let wrong = 0;
  const consumerLabel = consumerFile.endsWith('.py') ? 'python consumer' : 'node consumer';
  const consumer = run(consumerLabel, consumerFile, [address], (line) => {
    const match = /^result (\d+): (\d+) \* 2 = (\d+)$/.exec(line);
    if (match === null) return;
    const [id, n, doubled] = match.slice(1).map(Number) as [number, number, number];
    arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
    if (doubled !== n * 2) wrong++;
  });
  const producer = run(producerFile.endsWith('.py') ? 'python producer' : 'node producer', producerFile, [address]);
  const [producerCode, consumerCode] = await Promise.all([exitCodeOf(producer), exitCodeOf(consumer)]);

  const missing = [...Array(TASK_COUNT).keys()].filter((id) => !arrivals.has(id));
  const repeated = [...arrivals].filter(([, count]) => count > 1).map(([id]) => id);
  const ok = producerCode === 0 && consumerCode === 0 && missing.length === 0 && repeated.length === 0 && wrong === 0;
  console.log(
    ok
      ? `every one of the ${TASK_COUNT} results arrived exactly once`
      : `FAILED: producer ${producerCode}, consumer ${consumerCode}, missing ${missing}, repeated ${repeated}, wrong ${wrong}`,
  );

  const colon = address.lastIndexOf(':');
  const admin = new TrioManager({ address: [address.slice(0, colon), Number(address.slice(colon + 1))], authkey: TRIO_AUTHKEY, serializer: 'pickle' });
  await admin.connect();
  await admin.shutdown();
  console.log(`server exited with code ${await serverExit}`);
  return ok;
}

console.log('--- a CPython producer and a Node consumer');
const first = await round('./python/queue_producer.py', './queue_consumer.ts');
console.log('--- a Node producer and a CPython consumer');
const second = await round('./queue_producer.ts', './python/queue_consumer.py');
process.exitCode = first && second ? 0 : 1;
