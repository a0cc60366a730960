// The runner's side of the worker line protocol (bench/workers/commands.ts, and the same protocol
// in bench/python/*.py): spawn a worker, wait for its {ready} line, send it commands, read answers.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface WorkerSpec {
  /** For messages: 'mp server (tcp)', 'node client 3', ... */
  label: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export class WorkerProcess {
  /** Starts a worker and resolves once it printed its {ready: true, ...} line. */
  static async start(spec: WorkerSpec, readyTimeoutMs = 60_000): Promise<WorkerProcess> {
    const worker = new WorkerProcess(spec);
    worker.info = await worker.waitFor(0, readyTimeoutMs);
    return worker;
  }

  /** What the worker said when ready (its address, pid, ...). */
  info: Record<string, any> = {};
  readonly label: string;

  /** Sends a command; resolves with its result, rejects with the worker's error. */
  request<R = any>(op: string, params: Record<string, unknown> = {}, timeoutMs = 600_000): Promise<R> {
    const id = this.nextId++;
    this.child.stdin!.write(`${JSON.stringify({ id, op, params })}\n`);
    return this.waitFor(id, timeoutMs).then((answer) => answer.result as R);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Asks the worker to exit (so that profiles get written); kills it if it has not after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiters = new Map<number, { resolve: (answer: any) => void; reject: (error: Error) => void }>();
  private stderrTail = '';
  private exited = false;

  private constructor(spec: WorkerSpec) {
    this.label = spec.label;
    this.child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'], env: spec.env ?? process.env });
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-4000);
    });
    this.child.once('error', (error) => this.failAll(error));
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      this.failAll(new Error(`${this.label} exited (${signal ?? code})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}`));
    });
  }

  private onLine(line: string): void {
    let answer: any;
    try {
      answer = JSON.parse(line);
    } catch {
      return; // a stray line (a warning printed by a library): not part of the protocol
    }
    const id: number = answer.ready === true ? 0 : answer.id;
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    this.waiters.delete(id);
    if (answer.ready === true || answer.ok === true) waiter.resolve(answer);
    else waiter.reject(new Error(`${this.label}: ${answer.error}`));
  }

  private waitFor(id: number, timeoutMs: number): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`${this.label}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiters.set(id, {
        resolve: (answer) => (clearTimeout(timer), resolve(answer)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
    });
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
  }
}

/** Runs a command to its end and parses the last line it printed as JSON. */
export function runForJson<R>(command: string, args: string[]): Promise<R> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as R);
      } catch {
        reject(new Error(`${command} printed no JSON result: ${stdout}`));
      }
    });
  });
}

/** This process's resident set size, read from /proc (Linux), in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
