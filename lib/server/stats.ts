// The server's running counters for `describe`: client ids and connection times, calls and bytes
// of connections that have closed (the open ones keep their own), when and by whom each object was
// made, and one sample of the call count per second for the calls/s figures. The hot path pays
// nothing here: the sessions count their own requests and bytes, and the sampler sums them once a
// second (O(connections)).
import { TLSSocket } from 'node:tls';
import type { Connection } from '../connection/connection.js';
import type { ObjectEntry } from './objectTable.js';

/** What a session counts for itself (fields of both ServerSession and PickleSession). */
interface SessionCounters {
  readonly requestsReceived: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** What `describe` reads of each client connection, whichever protocol it speaks. */
export interface DescribedSession extends SessionCounters {
  readonly label: string;
  readonly inFlight: number;
  readonly connection: Connection;
}

export interface ClientRecord {
  readonly id: number;
  readonly connectedSince: number;
  readonly tls: boolean;
}

export interface ObjectOrigin {
  readonly createdAt: number;
  readonly createdBy: number | null;
}

/** Seconds of call-count history kept (the longest rate window). */
const HISTORY_SECONDS = 60;

export class ServerStats {
  readonly startedAt = Date.now();
  private nextClientId = 1;
  private readonly clients = new WeakMap<object, ClientRecord>();
  private readonly origins = new WeakMap<ObjectEntry, ObjectOrigin>();
  /** Totals of the connections that have closed. */
  private closedCalls = 0;
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  /** [time (ms), total calls] once a second, oldest first; at most HISTORY_SECONDS + 1. */
  private readonly samples: Array<[number, number]> = [];
  private sampler: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: ReadonlySet<DescribedSession>) {}

  /** Starts the once-a-second sample (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.sampler !== undefined) return;
    this.sample();
    this.sampler = setInterval(() => this.sample(), 1000).unref();
  }

  stop(): void {
    clearInterval(this.sampler);
    this.sampler = undefined;
  }

  sessionOpened(session: DescribedSession): void {
    this.clients.set(session, { id: this.nextClientId++, connectedSince: Date.now(), tls: session.connection.socket instanceof TLSSocket });
  }

  sessionClosed(session: SessionCounters): void {
    this.closedCalls += session.requestsReceived;
    this.closedBytesIn += session.bytesIn;
    this.closedBytesOut += session.bytesOut;
  }

  /** The client record of a session (an owner of locks and references); undefined for other owners. */
  client(owner: unknown): ClientRecord | undefined {
    return typeof owner === 'object' && owner !== null ? this.clients.get(owner) : undefined;
  }

  objectCreated(entry: ObjectEntry, creator: object): void {
    if (!this.origins.has(entry)) this.origins.set(entry, { createdAt: Date.now(), createdBy: this.client(creator)?.id ?? null });
  }

  origin(entry: ObjectEntry): ObjectOrigin | undefined {
    return this.origins.get(entry);
  }

  /** Calls, bytes in and bytes out since the start, all connections. */
  totals(): { calls: number; bytesIn: number; bytesOut: number } {
    let calls = this.closedCalls;
    let bytesIn = this.closedBytesIn;
    let bytesOut = this.closedBytesOut;
    for (const session of this.sessions) {
      calls += session.requestsReceived;
      bytesIn += session.bytesIn;
      bytesOut += session.bytesOut;
    }
    return { calls, bytesIn, bytesOut };
  }

  /** Calls per second over the last `seconds`, from the samples (since the start when shorter). */
  callsPerSecond(seconds: number, now = Date.now(), calls = this.totals().calls): number {
    const since = now - seconds * 1000;
    // The oldest sample no older than the window; the window is shorter when there is none older.
    let base: [number, number] | undefined;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const sample = this.samples[i];
      base = sample;
      if (sample[0] <= since) break;
    }
    if (base === undefined || now - base[0] < 1) return 0;
    return ((calls - base[1]) * 1000) / (now - base[0]);
  }

  private sample(): void {
    this.samples.push([Date.now(), this.totals().calls]);
    if (this.samples.length > HISTORY_SECONDS + 1) this.samples.shift();
  }
}
