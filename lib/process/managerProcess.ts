// A manager's server in a child process (BaseManager.start()): spawns it, hands it the manager's
// class (by module and export name), address, authkey and options over the IPC channel, and resolves
// with the bound address once it serves. The child ends with its parent (see childRuntime.ts).
import type { ChildProcess } from 'node:child_process';
import createDebug from 'debug';
import type { Address } from '../connection/address.js';
import type { BaseManager, ManagerOptions } from '../manager/baseManager.js';
import type { BaseProxy } from '../proxies/base.js';
import { registryOf } from '../manager/classRegistry.js';
import { defaultAuthkey } from '../manager/authkey.js';
import { ManagerError, TypeError as PyTypeError } from '../errors.js';
import { moduleUrl, type ModuleName } from './modules.js';
import { spawnChild } from './spawnChild.js';
import { ChildExit } from './childExit.js';
import { describeProxies, notTransferable } from './sharedArgs.js';
import { credentialsOf, type ProxyCredentials } from './proxyCredentials.js';
import { PoolHost } from './poolHost.js';
import { errorFromMessage } from './errorTransfer.js';

const log = createDebug('mpmanagers:process');

export interface StartOptions {
  /**
   * The module that defines, registers and exports the manager class (a path or a file URL, such as
   * `import.meta.url`): the server process imports it to learn the registrations. Not needed for
   * SyncManager, BaseManager, or a subclass that registers nothing of its own. The initializer is
   * looked up here too. Guard the module's main code with `isMainModule(import.meta.url)`.
   */
  module?: ModuleName;
  /** The export of `module` that is the manager class. Default: the class's name. */
  export?: string;
  /** The name of an export of `module` that the server process calls (and awaits) before serving. */
  initializer?: string;
  /**
   * The initializer's arguments; proxies among them arrive as working proxies (their connections
   * stay open while the server runs, as the initializer may keep them). Default [].
   */
  initargs?: unknown[];
  /** Seconds shutdown() waits for a graceful exit, then again after SIGTERM, before SIGKILL. Default 1. */
  shutdownTimeout?: number;
}

/** What the server process builds: a library class, or a user's class found by module + export. */
export type ManagerSpec = { builtin: 'SyncManager' | 'BaseManager' } | { module: string; export: string };

/** parent → child */
export interface ManagerStartMessage {
  kind: 'start';
  manager: ManagerSpec;
  /** The manager's options, with the address to bind and the authkey. */
  options: ManagerOptions;
  initializer?: { module: string; export: string; args: unknown[]; credentials: ProxyCredentials[] };
}
export type ManagerParentMessage = ManagerStartMessage | { kind: 'shutdown' };
/** child → parent */
export type ManagerChildMessage = { kind: 'ready'; address: Address } | { kind: 'failed'; error: unknown[] };

export class ManagerProcess {
  private child: ChildProcess | undefined;
  private exit: ChildExit | undefined;
  private stopping: Promise<void> | undefined;
  /** How many join() calls are waiting (the child is ref'd while any is). */
  private joiners = 0;
  private readonly shutdownTimeout: number;

  /** `serverOptions` carries the address to bind and the authkey. */
  constructor(
    private readonly managerClass: typeof BaseManager,
    private readonly serverOptions: ManagerOptions,
    private readonly options: StartOptions,
  ) {
    this.shutdownTimeout = options.shutdownTimeout ?? 1;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** null while the server runs (or before it started); then Python's exit code (0 = a graceful stop). */
  get exitCode(): number | null {
    return this.exit?.exitCode ?? null;
  }

  /** Spawns the server process; resolves with its bound address once it accepts connections. */
  async start(): Promise<Address> {
    const held: BaseProxy[] = [];
    const message: ManagerStartMessage = {
      kind: 'start',
      manager: managerSpec(this.managerClass, this.options),
      options: this.serverOptions,
      initializer: initializerOf(this.options, held),
    };
    try {
      structuredClone(message); // fail before spawning anything
    } catch (error) {
      throw notTransferable('the manager options or initargs', error);
    }
    const modules = [message.manager, message.initializer].flatMap((spec) => (spec !== undefined && 'module' in spec ? [spec.module] : []));
    const child = spawnChild('managerChild', defaultAuthkey(), modules);
    const exit = new ChildExit(child);
    this.child = child;
    this.exit = exit;
    child.send(message);
    const reply = await Promise.race([
      new Promise<ManagerChildMessage>((resolve) => child.once('message', (m) => resolve(m as ManagerChildMessage))),
      exit.exited.then((code): never => {
        throw new ManagerError(`the manager process exited with code ${code} before serving`);
      }),
    ]);
    held.length = 0; // the initializer has run: the server process holds its own references now
    if (reply.kind === 'failed') {
      await exit.wait(this.shutdownTimeout);
      throw errorFromMessage(reply.error);
    }
    // From now on this process may exit without waiting for the server (which then exits too).
    child.unref();
    child.channel?.unref();
    log('manager process %d serving on %o', child.pid, reply.address);
    return reply.address;
  }

  /** Waits for the server process to exit: its exit code, or null after `timeout` seconds (null: no limit). */
  async join(timeout: number | null = null): Promise<number | null> {
    const { child, exit } = this;
    if (child === undefined || exit === undefined) return null;
    // The child is unref'd once serving; while someone waits for it, it keeps this process alive.
    if (this.joiners++ === 0) child.ref();
    try {
      return (await exit.wait(timeout)) ? exit.exitCode : null;
    } finally {
      if (--this.joiners === 0 && exit.exitCode === null) child.unref();
    }
  }

  /** Asks the server to stop; after `shutdownTimeout` seconds sends SIGTERM, then SIGKILL. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const { child, exit } = this;
    if (child === undefined || exit === undefined || exit.exitCode !== null) return;
    try {
      if (child.connected) child.send({ kind: 'shutdown' } satisfies ManagerParentMessage);
    } catch (error) {
      log('could not ask manager process %d to stop: %O', child.pid, error);
    }
    if (await exit.wait(this.shutdownTimeout)) return;
    log('manager process %d did not stop in %d s: SIGTERM', child.pid, this.shutdownTimeout);
    child.kill('SIGTERM');
    if (await exit.wait(this.shutdownTimeout)) return;
    log('manager process %d ignored SIGTERM: SIGKILL', child.pid);
    child.kill('SIGKILL');
    await exit.wait(null);
  }
}

/**
 * SyncManager and BaseManager (and subclasses that register nothing of their own) are built in the
 * child without importing anything; any other class is found there by module and export name.
 * (Classes are recognised without importing syncManager.js, which imports this file's importer.)
 */
function managerSpec(managerClass: typeof BaseManager, options: StartOptions): ManagerSpec {
  if (options.export === undefined) {
    const owner = registryOwner(managerClass);
    const root = Object.getPrototypeOf(owner) as unknown;
    if (typeof root !== 'function' || root === Function.prototype) return { builtin: 'BaseManager' };
    const isSyncManager = owner.name === 'SyncManager' && Object.getPrototypeOf(root) === Function.prototype;
    if (isSyncManager && registryOf(owner).get('Pool')?.callable === PoolHost.create) return { builtin: 'SyncManager' };
  }
  if (options.module === undefined) {
    throw new ManagerError(
      `${managerClass.name} registers types of its own: start({ module, export }) must name the module that defines and exports it`,
    );
  }
  if (options.export !== undefined && typeof options.export !== 'string') throw new PyTypeError('start(): export must be a string');
  return { module: moduleUrl(options.module), export: options.export ?? managerClass.name };
}

/** The highest ancestor of `managerClass` (itself included) that uses the same registry: the class that registered last. */
function registryOwner(managerClass: typeof BaseManager): typeof BaseManager {
  const registry = registryOf(managerClass);
  let owner = managerClass;
  for (;;) {
    const parent = Object.getPrototypeOf(owner) as typeof BaseManager | null;
    if (typeof parent !== 'function' || parent === Function.prototype || registryOf(parent) !== registry) return owner;
    owner = parent;
  }
}

function initializerOf(options: StartOptions, held: BaseProxy[]): ManagerStartMessage['initializer'] {
  if (options.initializer === undefined) return undefined;
  if (typeof options.initializer !== 'string') {
    throw new PyTypeError('start(): initializer must be the name of an export of `module` (functions cannot be sent to another process)');
  }
  if (options.module === undefined) throw new PyTypeError('start(): an initializer needs the module that exports it');
  const args = describeProxies(options.initargs ?? [], held) as unknown[];
  return { module: moduleUrl(options.module), export: options.initializer, args, credentials: credentialsOf(held) };
}
