// `npm run demo:queue`: the distributed producer/consumer trio as three separate Node processes.
// Starts examples/queue_server.ts on a free port, then a consumer and a producer against it, shows
// their output, checks that each of the 20 results arrived exactly once (and is twice its task),
// and stops the server with a remote shutdown().
//   node --import tsx examples/queue_demo.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TASK_COUNT, TrioManager, TRIO_AUTHKEY } from './queue_common.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Runs an example in a child Node process with our loader flags; prefixes and echoes its output. */
function run(label: string, file: string, args: string[], onLine: (line: string) => void = () => {}): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, here(file), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TRIO_AUTHKEY },
  });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    console.log(`[${label}] ${line}`);
    onLine(line);
  });
  return child;
}

async function exitCodeOf(child: ChildProcess): Promise<number | null> {
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

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

// Results as the consumer prints them at the end: `result <id>: <n> * 2 = <doubled>`.
const arrivals = new Map<number, number>();
let wrong = 0;
const consumer = run('consumer', './queue_consumer.ts', [address], (line) => {
  const match = /^result (\d+): (\d+) \* 2 = (\d+)$/.exec(line);
  if (match === null) return;
  const [id, n, doubled] = match.slice(1).map(Number) as [number, number, number];
  arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
  if (doubled !== n * 2) wrong++;
});
const producer = run('producer', './queue_producer.ts', [address]);
const [producerCode, consumerCode] = await Promise.all([exitCodeOf(producer), exitCodeOf(consumer)]);

const missing = [...Array(TASK_COUNT).keys()].filter((id) => !arrivals.has(id));
const repeated = [...arrivals].filter(([, count]) => count > 1).map(([id]) => id);
const ok = producerCode === 0 && consumerCode === 0 && missing.length === 0 && repeated.length === 0 && wrong === 0;
console.log(
  ok
    ? `every one of the ${TASK_COUNT} results arrived exactly once`
    : `FAILED: producer ${producerCode}, consumer ${consumerCode}, missing ${missing}, repeated ${repeated}, wrong ${wrong}`,
);

const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
const admin = new TrioManager({ address: [host, port], authkey: TRIO_AUTHKEY });
await admin.connect();
await admin.shutdown();
console.log(`server exited with code ${await serverExit}`);
process.exitCode = ok ? 0 : 1;
