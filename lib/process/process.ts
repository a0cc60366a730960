// Process: runs an exported (possibly async) function of a module in a child Node process, as
// Python's multiprocessing.Process runs a target. Proxies among the args, at any depth, arrive in
// the child as working proxies on the child's own connections (made with their managers' authkeys
// and TLS options, sent over the IPC channel); this process keeps its proxies alive until the child
// has exited. The child inherits this process's loader flags, and the authkey through its
// environment. As a Python non-daemonic process, a running child keeps this process from exiting
// on its own (a daemon one does not); unlike one, it ends when this process dies (even by SIGKILL).
import type { ChildProcess } from 'node:child_process';
import createDebug from 'debug';
import { ManagerError, ValueError, TypeError as PyTypeError } from '../errors.js';
import type { BaseProxy } from '../proxies/base.js';
import { defaultAuthkey, toAuthkey } from '../manager/authkey.js';
import { moduleUrl, type ModuleName } from './modules.js';
import { spawnChild } from './spawnChild.js';
import { ChildExit } from './childExit.js';
import { describeProxies, notTransferable } from './sharedArgs.js';
import { credentialsOf, type ProxyCredentials } from './proxyCredentials.js';
import { ArgsTransfer } from './argsTransfer.js';
import { startThread } from './threadChild.js';

const log = createDebug('mpmanagers:process');

export interface ProcessOptions {
  /** The module that exports the target: a path (relative to the cwd) or a file URL (`import.meta.url`). */
  module: ModuleName;
  /** The name of the exported function to run. Default 'default'. */
  export?: string;
  /** The target's arguments: structured-cloneable data and proxies. Default []. */
  args?: unknown[];
  /** Default `Process-<n>`. */
  name?: string;
  /**
   * The child's process authkey, which its manager connections use (Python's `Process.authkey`).
   * Default: this process's authkey. Set it when the proxies in `args` belong to a manager with a
   * different authkey.
   */
  authkey?: string | Uint8Array;
  /**
   * Python's daemon flag. A daemon child does not keep this process running: it is ended when this
   * process exits. Default false.
   */
  daemon?: boolean;
  /**
   * Run the target on a worker thread of this process instead (Python's multiprocessing.dummy), with
   * the same API; only then may `args` hold sharedctypes objects. Default false.
   */
  thread?: boolean;
}

/** parent → child */
export interface ProcessStartMessage {
  module: string;
  export: string;
  args: unknown[];
  name: string;
  /** How to connect to the servers of the proxies among the args (authkeys travel here, not in argv). */
  credentials: ProxyCredentials[];
}

let processCount = 0;

export class Process {
  readonly name: string;
  readonly authkey: Uint8Array;
  private readonly module: string;
  private readonly exportName: string;
  private readonly thread: boolean;
  private args: unknown[] | undefined;
  private child: ChildProcess | undefined;
  private exit: ChildExit | undefined;
  private isDaemon: boolean;
  private closed = false;
  /**
   * Resolves with the exit code once the child has exited (Python's `sentinel`, as a Promise). It
   * never settles for a process that is never started.
   */
  readonly exited: Promise<number>;
  private resolveExited!: (code: number) => void;

  constructor(options: ProcessOptions) {
    if (typeof options !== 'object' || options === null) throw new PyTypeError('new Process({ module, export, args }) takes an options object');
    this.module = moduleUrl(options.module);
    this.exportName = options.export ?? 'default';
    if (typeof this.exportName !== 'string') throw new PyTypeError('Process: export must be the name of an exported function');
    this.args = options.args ?? [];
    if (!Array.isArray(this.args)) throw new PyTypeError('Process: args must be an array');
    this.name = options.name ?? `Process-${++processCount}`;
    this.authkey = options.authkey === undefined ? defaultAuthkey() : toAuthkey(options.authkey);
    this.isDaemon = options.daemon ?? false;
    if (typeof this.isDaemon !== 'boolean') throw new PyTypeError('Process: daemon must be a boolean');
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.thread = options.thread === true;
  }

  /** Whether the child is a daemon; settable until start() (ManagerError after). */
  get daemon(): boolean {
    return this.isDaemon;
  }

  set daemon(value: boolean) {
    if (this.child !== undefined) throw new ManagerError(`${this.name} has already been started: too late to set daemon`);
    if (typeof value !== 'boolean') throw new PyTypeError('daemon must be a boolean');
    this.isDaemon = value;
  }

  /** The child's pid once started. ValueError after close(). */
  get pid(): number | undefined {
    this.checkNotClosed();
    return this.child?.pid;
  }

  /** null until the child exits; then its code, or minus the signal that ended it (Python's exitcode). ValueError after close(). */
  get exitCode(): number | null {
    this.checkNotClosed();
    return this.exit?.exitCode ?? null;
  }

  /** Starts the child. Throws TypeError if the args cannot be sent, ManagerError if already started. */
  start(): void {
    this.checkNotClosed();
    if (this.child !== undefined) throw new ManagerError(`${this.name} has already been started (a process can only be started once)`);
    const child = this.thread ? startThread(this.module, this.exportName, this.args!, this.name, this.authkey) : this.spawn();
    this.child = child;
    this.exit = new ChildExit(child);
    if (this.isDaemon && !this.thread) {
      // Neither the child nor its IPC channel keeps this process alive; the child ends with it.
      child.unref();
      child.channel?.unref();
    }
    log('%s started as pid %d', this.name, child.pid);
    // The args (and their proxies) stay referenced until the child has exited, then are let go.
    void this.exit.exited.then((code) => {
      log('%s (pid %d) exited with code %d', this.name, child.pid, code);
      this.args = undefined;
      this.resolveExited(code);
    });
  }

  /** Spawns the child process and sends it its target; the Pipe ends and primitives among the args go with it (argsTransfer.ts). */
  private spawn(): ChildProcess {
    const transfer = new ArgsTransfer('process', this.name, this.authkey);
    const proxies: BaseProxy[] = [];
    let message: ProcessStartMessage;
    try {
      const args = describeProxies(this.args, proxies, transfer) as unknown[];
      message = { module: this.module, export: this.exportName, args, name: this.name, credentials: credentialsOf(proxies) };
      structuredClone(message); // fail before spawning anything
    } catch (error) {
      transfer.attach(undefined);
      transfer.end();
      throw error instanceof ManagerError ? error : notTransferable(`the args of ${this.name}`, error);
    }
    const child = spawnChild('processChild', this.authkey, [this.module], transfer.pipeCount);
    transfer.attach(child);
    // The child connects to the primitives served here as soon as it has its args: serve them first.
    void transfer.ready().then(() => child.connected && child.send(message));
    child.once('exit', () => transfer.end());
    child.once('error', () => child.pid === undefined && transfer.end()); // never spawned: no 'exit' follows
    return child;
  }

  /** Waits for the child to exit: its exit code, or null if `timeout` seconds pass first (null: no limit). */
  async join(timeout: number | null = null): Promise<number | null> {
    const exit = this.requireStarted('join');
    const child = this.child!;
    // A daemon child is unref'd; while someone waits for it, it keeps this process alive.
    if (this.isDaemon) child.ref();
    try {
      return (await exit.wait(timeout)) ? exit.exitCode : null;
    } finally {
      if (this.isDaemon && exit.exitCode === null) child.unref();
    }
  }

  /** True from start() until the child exits. ValueError after close(). */
  isAlive(): boolean {
    this.checkNotClosed();
    return this.exit !== undefined && this.exit.exitCode === null;
  }

  /**
   * Releases the Process object (Python's close()): ValueError while the child runs. Afterwards
   * pid, exitCode, isAlive(), start(), join(), terminate() and kill() raise ValueError.
   */
  close(): void {
    if (this.closed) return;
    if (this.exit !== undefined && this.exit.exitCode === null) {
      throw new ValueError(`Cannot close a process while it is still running. You should first call join() or terminate().`);
    }
    this.closed = true;
    this.child = undefined;
    this.args = undefined;
  }

  /** Sends SIGTERM (exit code -15 unless the child handles it). */
  terminate(): void {
    this.signal('SIGTERM');
  }

  /** Sends SIGKILL (exit code -9). */
  kill(): void {
    this.signal('SIGKILL');
  }

  /** `await using p = new Process(...)`: a child still running at the end of the block is terminated and joined. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.closed || !this.isAlive()) return;
    this.terminate();
    await this.join();
  }

  toString(): string {
    if (this.closed) return `<Process name='${this.name}' closed>`;
    const state = this.exit === undefined ? 'initial' : this.exit.exitCode === null ? 'started' : `stopped exitcode=${this.exit.exitCode}`;
    return `<Process name='${this.name}' ${state}>`;
  }

  private signal(signal: NodeJS.Signals): void {
    this.requireStarted(signal === 'SIGKILL' ? 'kill' : 'terminate');
    if (this.isAlive()) this.child!.kill(signal);
  }

  private checkNotClosed(): void {
    if (this.closed) throw new ValueError('process object is closed');
  }

  private requireStarted(what: string): ChildExit {
    this.checkNotClosed();
    if (this.exit === undefined) throw new ManagerError(`can only ${what} a started process (${this.name})`);
    return this.exit;
  }
}
