// The seam between proxies and whatever reaches their objects: the multiplexed msgpack session
// (ClientSession), and later a CPython-style pickle connection pool or Redis. A proxy only ever
// calls through this interface, so one set of proxy classes serves every backend.
import type { Address } from '../connection/address.js';

export interface Channel {
  /** The address of the server (or store) this channel reaches; compared to tell foreign references. */
  readonly address: Address;
  /** True once the channel can carry no more calls (every pending call has rejected). */
  readonly closed: boolean;
  /**
   * For a backend a child process reaches on its own (Redis): structured-cloneable data saying how
   * (see lib/redis/share.ts). Travels with proxies passed to a Process, over IPC, never in argv.
   */
  readonly share?: unknown;
  /**
   * Calls `method` on object `objectId` (null: a control operation such as `decref`). Rejects with
   * the remote error's class, ConnectionClosedError when the channel drops, AbortError on `signal`.
   */
  call(
    objectId: string | null,
    method: string,
    args?: unknown[],
    kwargs?: Record<string, unknown> | null,
    signal?: AbortSignal,
  ): Promise<unknown>;
}
