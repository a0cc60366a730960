// What, besides proxies, a Process or a Pool task may be given, and how each travels (see
// sharedArgs.ts for proxies):
//   - a Pipe end (lib/mpconnection): to a child process, over a socket pair of its own; to a worker
//     thread, over a MessageChannel (pipeTransfer.ts);
//   - a synchronization primitive of lib/primitives: served by this process (parentHost.ts), it
//     arrives as the usual proxy of the very object this process holds;
//   - a sharedctypes object: to a worker thread, as its SharedArrayBuffer; a child process cannot
//     share memory, so it is refused there with a TypeError naming the manager's Value/Array.
import type { ChildProcess } from 'node:child_process';
import type net from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { TypeError as PyTypeError } from '../errors.js';
import { Connection } from '../mpconnection/connection.js';
import { sendPipeEnd, sendPipeEndToThread } from '../mpconnection/pipeTransfer.js';
import { describeSharedCType, isSharedCType } from '../sharedctypes/transfer.js';
import { hostedTypeOf, leaseHost, type HostLease } from './parentHost.js';

/** Where the args go: a child process, or a worker thread of this process. */
export type Destination = 'process' | 'thread';

/** The child's fd of the first Pipe end's socket pair: after stdin, stdout, stderr and the IPC channel. */
export const FIRST_PIPE_FD = 4;

export class ArgsTransfer {
  /** The receiver has something other than proxies to rebuild (a pool worker only rebuilds when told to). */
  needsRebuild = false;
  /**
   * Refuse what needs this process's help for as long as the receiver runs (Pipe ends, primitives):
   * for a pool's initargs, whose workers outlive any one task.
   */
  onlySelfContained = false;
  /** What the message to a worker thread must transfer rather than copy (Pipe ends' ports). */
  readonly transferList: MessagePort[] = [];
  private readonly pipeBinders: ((socket: net.Socket | undefined) => void)[] = [];
  private lease: HostLease | undefined;

  /**
   * `label` names the receiver in messages (`Process-1`, `a pool worker`); `authkey` is the one it
   * connects with (a Process's authkey; default this process's).
   */
  constructor(
    readonly destination: Destination,
    readonly label: string,
    private readonly authkey?: Uint8Array,
  ) {}

  /** A descriptor that stands for `value` in the args, or undefined if `value` is none of the above. */
  describe(value: object): unknown {
    if (this.onlySelfContained && (value instanceof Connection || hostedTypeOf(value) !== undefined)) {
      throw new PyTypeError(`${this.label} cannot be given a Pipe end or a synchronization primitive without a manager: give it to a task, or use a manager's`);
    }
    if (value instanceof Connection) return this.pipeEnd(value);
    if (isSharedCType(value)) {
      if (this.destination === 'process') {
        throw new PyTypeError(
          `a sharedctypes object cannot be sent to ${this.label}, a child process: processes share no memory. ` +
            "Use a manager's Value or Array (await manager.Value('i', 0)) to share a value with a process, " +
            'or run the target on a worker thread (new Process({ ..., thread: true }))',
        );
      }
      this.needsRebuild = true;
      return describeSharedCType(value);
    }
    const hosted = hostedTypeOf(value);
    if (hosted === undefined) return undefined;
    this.needsRebuild = true;
    this.lease ??= leaseHost(this.authkey);
    return this.lease.share(value, hosted.typeid, hosted.proxyClass);
  }

  /** How many socket pairs the child needs (one per Pipe end), on fds FIRST_PIPE_FD and up. */
  get pipeCount(): number {
    return this.pipeBinders.length;
  }

  /** Resolves once the receiver may connect to what it was sent (the primitives' server is listening). */
  ready(): Promise<void> {
    return this.lease?.ready ?? Promise.resolve();
  }

  /** A child process was spawned (undefined: it was not): binds this side of each Pipe end's socket pair. */
  attach(child: ChildProcess | undefined): void {
    this.pipeBinders.forEach((bind, i) => bind((child?.stdio[FIRST_PIPE_FD + i] ?? undefined) as net.Socket | undefined));
  }

  /** The receiver is done (the child exited, the task settled): its hold on the served primitives ends. */
  end(): void {
    this.lease?.end();
  }

  private pipeEnd(end: Connection): unknown {
    this.needsRebuild = true;
    if (this.destination === 'thread') {
      const { descriptor, port } = sendPipeEndToThread(end, this.label);
      this.transferList.push(port);
      return descriptor;
    }
    const { descriptor, bind } = sendPipeEnd(end, FIRST_PIPE_FD + this.pipeBinders.length, this.label);
    this.pipeBinders.push(bind);
    return descriptor;
  }
}
