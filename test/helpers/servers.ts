// Starts a real in-process server on 127.0.0.1:0 and connects real clients to it.
import { BaseManager, type ManagerOptions } from '../../lib/manager/baseManager.js';
import type { Server } from '../../lib/server/server.js';
import type { Address } from '../../lib/connection/address.js';

export interface Served<M extends BaseManager> {
  server: Server;
  address: Address;
  authkey: Uint8Array;
  /** A new connected client manager of the same class. */
  client(options?: ManagerOptions): Promise<M>;
  /** Closes every client made here, then the server. */
  close(): Promise<void>;
}

/** Servers made by serve() and not yet closed: a test that fails before its close() leaves one here. */
const open = new Set<{ close(): Promise<void> }>();

/** Closes what failed tests left open, so one failure cannot keep mocha from exiting (root hook). */
export async function closeLeftoverServers(): Promise<void> {
  for (const served of [...open]) await served.close().catch(() => undefined);
}

export async function serve<M extends BaseManager>(
  Manager: new (options?: ManagerOptions) => M,
  options: ManagerOptions = {},
): Promise<Served<M>> {
  const authkey = options.authkey ?? 'test-key';
  const server = new Manager({ address: ['127.0.0.1', 0], ...options, authkey }).getServer();
  const address = await server.listen();
  const clients: M[] = [];
  const served: Served<M> = {
    server,
    address,
    authkey: typeof authkey === 'string' ? Buffer.from(authkey) : authkey,
    async client(clientOptions = {}) {
      const m = new Manager({ address, authkey, ...clientOptions });
      clients.push(m);
      await m.connect();
      return m;
    },
    async close() {
      open.delete(served);
      for (const m of clients) await m.close();
      await server.close();
    },
  };
  open.add(served);
  return served;
}

/** Resolves after `seconds`. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Polls `predicate` until it is true or `seconds` pass. */
export async function eventually(predicate: () => boolean | Promise<boolean>, seconds = 5): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(0.01);
  }
}
