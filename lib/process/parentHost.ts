// Synchronization primitives passed to a Process or a Pool without a manager (Python's
// `multiprocessing.Queue()` given to a Process): this process serves them itself. A Server (the
// managers' own) listens on a Unix socket in a private temporary directory, started on first need;
// each primitive is served under SyncManager's typeid for it, with what a SyncManager exposes of it,
// so the receiver rebuilds the usual proxy (QueueProxy, AcquirerProxy...) of the very object this
// process holds. Each child (or pool task) holds a lease on the objects it was sent; when the last
// lease ends the server closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import createDebug from 'debug';
import { Queue, JoinableQueue, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier } from '../primitives/index.js';
import { Server } from '../server/server.js';
import { describeReferent } from '../server/serve.js';
import { defaultAuthkey } from '../manager/authkey.js';
import { PROXY_DESCRIPTOR_KEY, type ProxyDescriptor } from './sharedArgs.js';

const log = createDebug('mpmanagers:process');

/** The SyncManager typeid and proxy class of each primitive; subclasses before their base class. */
const HOSTED_TYPES: readonly [new (...args: never[]) => object, string, string][] = [
  [JoinableQueue, 'JoinableQueue', 'QueueProxy'],
  [Queue, 'Queue', 'QueueProxy'],
  [BoundedSemaphore, 'BoundedSemaphore', 'AcquirerProxy'],
  [Semaphore, 'Semaphore', 'AcquirerProxy'],
  [Lock, 'Lock', 'AcquirerProxy'],
  [RLock, 'RLock', 'AcquirerProxy'],
  [Condition, 'Condition', 'ConditionProxy'],
  [Event, 'Event', 'EventProxy'],
  [Barrier, 'Barrier', 'BarrierProxy'],
];

/** The typeid and proxy class under which `value` is served, or undefined if it is not a primitive. */
export function hostedTypeOf(value: object): { typeid: string; proxyClass: string } | undefined {
  for (const [cls, typeid, proxyClass] of HOSTED_TYPES) if (value instanceof cls) return { typeid, proxyClass };
  return undefined;
}

/** One child's (or one task's) hold on the primitives it was sent. */
export class HostLease {
  private ended = false;
  /** Resolves once the server is listening: the receiver may connect from then on. */
  readonly ready: Promise<void>;

  constructor(private readonly host: ParentHost) {
    this.ready = host.listening;
  }

  /** Serves `primitive` (once, whoever else holds it) and keeps it served until end(). */
  share(primitive: object, typeid: string, proxyClass: string): ProxyDescriptor {
    const entry = this.host.server.table.add(describeReferent({ typeid, exposed: undefined, methodToTypeid: undefined }, primitive));
    this.host.server.table.incref(this, entry.id);
    const ref = { typeid, address: this.host.address, id: entry.id, exposed: entry.exposedList, kind: entry.kind };
    return { [PROXY_DESCRIPTOR_KEY]: { ref, proxyClass } };
  }

  /** The child has exited (or the task settled): its references go, and the server with the last lease. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.host.server.table.releaseOwner(this);
    this.host.leaseEnded();
  }
}

class ParentHost {
  readonly server: Server;
  readonly address: string;
  readonly listening: Promise<void>;
  leases = 0;
  private readonly directory: string;

  constructor(readonly authkey: Uint8Array) {
    // mkdtemp makes the directory 0700: only this user can reach the socket (which is authenticated too).
    this.directory = mkdtempSync(path.join(tmpdir(), 'mpmanagers-'));
    this.address = path.join(this.directory, 'parent.sock');
    // No registry: children only call the objects they are sent (SyncManager's creators are not served).
    this.server = new Server(new Map(), { address: this.address, authkey, handshakeTimeout: 60 });
    this.listening = this.server.listen().then(
      () => log('serving primitives for child processes on %s', this.address),
      (error: unknown) => log('cannot serve primitives on %s: %O', this.address, error),
    );
  }

  leaseEnded(): void {
    if (--this.leases > 0) return;
    const key = keyOf(this.authkey);
    if (hosts.get(key) === this) hosts.delete(key);
    void this.server.close().finally(() => rmSync(this.directory, { recursive: true, force: true }));
    log('the last child holding shared primitives is gone: stopped serving them');
  }
}

/** The running hosts, by authkey (hex): a child connects with its process authkey, which a Process may set. */
const hosts = new Map<string, ParentHost>();

function keyOf(authkey: Uint8Array): string {
  return Buffer.from(authkey).toString('hex');
}

/**
 * A new lease on the host of primitives for children with `authkey` (default: this process's),
 * which is started if it is not running.
 */
export function leaseHost(authkey: Uint8Array = defaultAuthkey()): HostLease {
  const key = keyOf(authkey);
  let host = hosts.get(key);
  if (host === undefined) hosts.set(key, (host = new ParentHost(authkey)));
  host.leases++;
  return new HostLease(host);
}

/** The socket path primitives are served on for children with `authkey`, while any holds them (for diagnostics and tests). */
export function hostAddress(authkey: Uint8Array = defaultAuthkey()): string | undefined {
  return hosts.get(keyOf(authkey))?.address;
}
