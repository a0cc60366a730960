// AutoProxy: one method per exposed name, each forwarding its arguments to `_callMethod`.
// Names that would shadow BaseProxy members, or make the proxy a thenable (`then`), are not added:
// call those through `_callMethod`.
import type { Token } from '../protocol.js';
import type { Channel } from '../client/channel.js';
import { BaseProxy } from './base.js';

const RESERVED = new Set(['then', 'catch', 'finally', 'constructor', 'toString', 'toJSON']);

export class AutoProxy extends BaseProxy {
  [method: string]: any;
  /** Present when `next` is exposed (see the constructor). */
  declare [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;

  constructor(token: Token, session: Channel, exposed: readonly string[] = []) {
    super(token, session, exposed);
    for (const name of exposed) {
      if (RESERVED.has(name) || name in this) continue;
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) => this._callMethod(name, args),
        enumerable: false,
      });
    }
    // A referent exposing its own `next` (a generator registered with exposed: ['next']) answers
    // `{ value, done }` steps: the async iterator protocol itself, so `for await` runs over it.
    if (exposed.includes('next')) {
      Object.defineProperty(this, Symbol.asyncIterator, { value: () => this, enumerable: false });
    }
  }

  override _describe(): string {
    return `<AutoProxy[${this._token.typeid}] object, typeid '${this._token.typeid}' at ${this._token.id}>`;
  }
}
