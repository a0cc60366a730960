// What a referent receives when a client passes a proxy of this same server as an argument: a
// reference that keeps the shared object alive while it is held (stored in a list, dict, ...).
// Sent back to a client, it arrives there as a working proxy again.
import type { Token } from '../protocol.js';

export interface RefHolder {
  /** The live object behind an id, or undefined if it has been freed. */
  resolve(id: string): unknown;
  /** Drops the reference this ServerRef held (called once, by release() or the GC backstop). */
  unref(id: string, ref: ServerRef): void;
}

export class ServerRef {
  private released = false;

  constructor(
    readonly token: Token,
    private readonly holder: RefHolder,
  ) {}

  /** The shared object itself, for server-side code (undefined once freed). */
  get referent(): unknown {
    return this.holder.resolve(this.token.id);
  }

  /** Python's `==` on proxies of one server: same object. */
  equals(other: unknown): boolean {
    return other instanceof ServerRef && other.token.id === this.token.id;
  }

  /** Drops this reference now (idempotent); otherwise the garbage collector does it eventually. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.holder.unref(this.token.id, this);
  }
}
