// The calls of a client session waiting for their reply, by request id. Ids are handed out in
// order, one per call, so the calls in flight have ids close together: each goes in a ring at id
// mod its size, with no allocation per call (a Map's table was rebuilt every few dozen calls, as
// ids came and went). A call still waiting when a later id needs its place (a long wait among many
// short calls) moves to a Map; the ring doubles, up to RING_MAX, while it is at least half full.

/** The ring's first size and its largest (powers of two). */
const RING_MIN = 16;
const RING_MAX = 1024;

export class PendingCalls<T> {
  private ids: number[] = new Array<number>(RING_MIN).fill(0);
  private calls: (T | undefined)[] = new Array<T | undefined>(RING_MIN).fill(undefined);
  private mask = RING_MIN - 1;
  /** Calls moved out of the ring (see the top of this file). Made on first use. */
  private displaced: Map<number, T> | undefined;
  /** Calls waiting. */
  size = 0;

  /** Adds the call of request `id`, a positive integer not already waiting. */
  set(id: number, call: T): void {
    let slot = id & this.mask;
    if (this.ids[slot] !== 0 && this.size >= (this.mask + 1) / 2 && this.mask + 1 < RING_MAX) {
      this.grow();
      slot = id & this.mask;
    }
    const present = this.ids[slot];
    if (present !== 0) (this.displaced ??= new Map()).set(present, this.calls[slot]!);
    this.ids[slot] = id;
    this.calls[slot] = call;
    this.size++;
  }

  /** The call of request `id` (whatever the peer sent as an id), or undefined. */
  get(id: unknown): T | undefined {
    if (typeof id !== 'number' || id <= 0) return undefined;
    const slot = id & this.mask;
    if (this.ids[slot] === id) return this.calls[slot];
    return this.displaced?.get(id);
  }

  has(id: unknown): boolean {
    return this.get(id) !== undefined;
  }

  /** Forgets the call of request `id`; false if it was not waiting. */
  delete(id: unknown): boolean {
    if (typeof id !== 'number' || id <= 0) return false;
    const slot = id & this.mask;
    if (this.ids[slot] === id) {
      this.ids[slot] = 0;
      this.calls[slot] = undefined;
      this.size--;
      return true;
    }
    if (this.displaced?.delete(id)) {
      this.size--;
      return true;
    }
    return false;
  }

  /** Every call waiting, in no particular order. */
  values(): T[] {
    const all: T[] = [];
    for (let slot = 0; slot <= this.mask; slot++) if (this.ids[slot] !== 0) all.push(this.calls[slot]!);
    if (this.displaced !== undefined) all.push(...this.displaced.values());
    return all;
  }

  clear(): void {
    this.ids.fill(0);
    this.calls.fill(undefined);
    this.displaced = undefined;
    this.size = 0;
  }

  private grow(): void {
    const { ids, calls } = this;
    const size = ids.length * 2;
    this.ids = new Array<number>(size).fill(0);
    this.calls = new Array<T | undefined>(size).fill(undefined);
    this.mask = size - 1;
    this.size = this.displaced?.size ?? 0; // the ring's calls are counted again as they go back in
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== 0) this.set(ids[slot], calls[slot]!);
  }
}
