// BaseProxy: a client's handle on one shared object. It owns one reference on the server, taken
// over from the reply that created it, and gives it back on `_release()` / `await using`, or when
// garbage-collected (a FinalizationRegistry backstop: never rely on it for timing).
import createDebug from 'debug';
import { ManagerError } from '../errors.js';
import type { Token, WireRef } from '../protocol.js';
import { sameAddress } from '../connection/address.js';
import type { Channel } from '../client/channel.js';

const log = createDebug('mpmanagers:proxies');

/** What a proxy needs from the manager that made it. */
export interface ProxyOwner {
  /** The live channel to the token's server (proxies survive nothing: a closed channel fails calls). */
  readonly session: Channel;
}

/** Options of every call that can wait on the server. */
export interface WaitOptions {
  /** Aborting cancels the wait on the server and rejects the call with AbortError. */
  signal?: AbortSignal;
}

/** The constructor shape every proxy class has; `register({ proxytype })` takes one. */
export interface ProxyClass<P extends BaseProxy = BaseProxy> {
  new (token: Token, session: Channel, exposed?: readonly string[]): P;
  readonly _exposed_?: readonly string[];
  readonly _methodToTypeid_?: Readonly<Record<string, string>>;
}

interface Held {
  session: Channel;
  id: string;
}

const backstop = new FinalizationRegistry<Held>(({ session, id }) => {
  if (session.closed) return;
  session.call(null, 'decref', [id]).catch((err: unknown) => log('late decref of %s failed: %O', id, err));
});

export class BaseProxy {
  static readonly _exposed_?: readonly string[];
  static readonly _methodToTypeid_?: Readonly<Record<string, string>>;

  #released = false;

  constructor(
    readonly _token: Token,
    readonly _session: Channel,
    readonly _exposed: readonly string[] = [],
  ) {
    backstop.register(this, { session: _session, id: _token.id }, this);
  }

  /** Calls a method of the referent by its wire (Python) name. */
  _callMethod(name: string, args: unknown[] = [], kwargs: Record<string, unknown> | null = null, options?: WaitOptions): Promise<any> {
    if (this.#released) return Promise.reject(new ManagerError(`${this._describe()} was released`));
    return this._session.call(this._token.id, name, args, kwargs, options?.signal);
  }

  /** A copy of the referent (CPython's `_getvalue()`). */
  _getValue(): Promise<unknown> {
    return this._callMethod('#GETVALUE');
  }

  /** The referent's str() as computed on the server. */
  _str(): Promise<string> {
    return this._callMethod('__str__');
  }

  /** Drops this proxy's reference now. Idempotent; later calls reject. */
  async _release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    backstop.unregister(this);
    if (this._session.closed) return;
    await this._session.call(null, 'decref', [this._token.id]);
  }

  get _released(): boolean {
    return this.#released;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this._release();
  }

  /** The wire form of this proxy when it is sent as an argument or stored in a container. */
  _toWire(session: Channel): WireRef {
    const t = this._token;
    // Another connection to the same server (a second manager in this process) shares its objects.
    const sameServer = session === this._session || sameAddress(session.address, this._session.address);
    return { typeid: t.typeid, address: t.address, id: t.id, ...(sameServer ? {} : { foreign: true }) };
  }

  _describe(): string {
    return `<${this.constructor.name} object, typeid '${this._token.typeid}' at ${this._token.id}>`;
  }

  toString(): string {
    return this._describe();
  }
}
