// What the trio demos share (queue_demo, python_demo, queue_demo_redis): running each part as a
// child process with its output echoed under a label, starting the queue server and learning its
// address, and checking the consumer's printed results: each of the tasks exactly once, doubled.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TASK_COUNT } from './queue_common.js';

/**
 * Runs `file` (relative to examples/) in a child: a Python script with `python`, anything else with
 * this Node and its loader flags. Its stdout is echoed as `[label] line` and given to `onLine`.
 */
export function runPart(
  label: string,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void = () => {},
  python = 'python3',
): ChildProcess {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const [command, argv] = file.endsWith('.py') ? [python, [script, ...args]] : [process.execPath, [...process.execArgv, script, ...args]];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    console.log(`[${label}] ${line}`);
    onLine(line);
  });
  return child;
}

export async function exitCodeOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** Starts examples/queue_server.ts on a free port; resolves to its `host:port` and its exit code. */
export async function startQueueServer(env: NodeJS.ProcessEnv): Promise<{ address: string; exited: Promise<number | null> }> {
  let serving: (address: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (serving = resolve));
  const server = runPart('server', './queue_server.ts', ['127.0.0.1:0'], env, (line) => {
    if (line.startsWith('serving on ')) serving(line.slice('serving on '.length));
  });
  const exited = exitCodeOf(server);
  const address = await Promise.race([
    listening,
    exited.then((code) => Promise.reject(new Error(`the server exited with code ${code} before listening`))),
  ]);
  return { address, exited };
}

/** `host:port` as the managers take it. */
export function addressOf(text: string): [string, number] {
  const colon = text.lastIndexOf(':');
  return [text.slice(0, colon), Number(text.slice(colon + 1))];
}

/** Tallies the consumer's `result <id>: <n> * 2 = <doubled>` lines; `verdict` prints and returns the outcome. */
export class ResultTally {
  private readonly arrivals = new Map<number, number>();
  private wrong = 0;

  readonly onLine = (line: string): void => {
    const match = /^result (\d+): (\d+) \* 2 = (\d+)$/.exec(line);
    if (match === null) return;
    const [id, n, doubled] = match.slice(1).map(Number) as [number, number, number];
    this.arrivals.set(id, (this.arrivals.get(id) ?? 0) + 1);
    if (doubled !== n * 2) this.wrong++;
  };

  /** True when both parts exited 0 and every result arrived once, doubled. */
  verdict(producerCode: number | null, consumerCode: number | null, where = ''): boolean {
    const missing = [...Array(TASK_COUNT).keys()].filter((id) => !this.arrivals.has(id));
    const repeated = [...this.arrivals].filter(([, count]) => count > 1).map(([id]) => id);
    const ok = producerCode === 0 && consumerCode === 0 && missing.length === 0 && repeated.length === 0 && this.wrong === 0;
    console.log(
      ok
        ? `every one of the ${TASK_COUNT} results arrived exactly once${where}`
        : `FAILED: producer ${producerCode}, consumer ${consumerCode}, missing ${missing}, repeated ${repeated}, wrong ${this.wrong}`,
    );
    return ok;
  }
}
