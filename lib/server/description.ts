// What the `describe` control operation returns (`manager._describe()`): a typed, versioned picture
// of a running server, its shared objects and its clients. Sizes and counts only, never contents:
// gathering it costs O(objects on the page + references held), not O(entries in the containers).
import type { Address } from '../connection/address.js';
import type { ProxyKind } from '../protocol.js';

/** The version of this shape; a field removed or changed in meaning bumps it. */
export const DESCRIPTION_VERSION = 1;
/** Most objects one `describe` returns; further ones are fetched with `objectsOffset`. */
export const DESCRIBE_MAX_OBJECTS = 10_000;

export interface DescribeOptions {
  /** Include the objects (default true). */
  objects?: boolean;
  /** Include the clients (default true). */
  clients?: boolean;
  /** The first object to return, counted in the table's order (default 0). */
  objectsOffset?: number;
  /** Most objects to return, 1..10,000 (default 10,000). */
  objectsLimit?: number;
}

export interface ServerDescription {
  version: typeof DESCRIPTION_VERSION;
  server: ServerInfo;
  /** The page of objects asked for (empty when `objects: false`). */
  objects: ObjectInfo[];
  /** Objects in the table (all pages). */
  objectsTotal: number;
  /** Where the next page starts, or null when this page is the last. */
  nextObjectsOffset: number | null;
  clients: ClientInfo[];
}

export interface ServerInfo {
  /** The mpmanagers package version the server runs. */
  packageVersion: string;
  address: Address | null;
  pid: number;
  /** Seconds since the server started listening. */
  uptime: number;
  memory: { rss: number; heapUsed: number; heapTotal: number };
  connections: number;
  /** Requests received since the start (all clients, past and present). */
  calls: number;
  /** Requests per second over the last 1, 10 and 60 seconds (or since the start when shorter). */
  callsPerSecond: { last1s: number; last10s: number; last60s: number };
  /** Calls received whose reply is not yet sent (waiting in a get, an acquire, ...). */
  inFlight: number;
  /** Frame payload bytes received and sent, all clients, since the start. */
  bytesIn: number;
  bytesOut: number;
  tls: boolean;
  /** The limits in force; null = no limit. Timeouts in seconds. */
  limits: {
    maxConnections: number | null;
    maxInFlight: number | null;
    maxObjectsPerConnection: number | null;
    idleTimeout: number | null;
    maxFrameSize: number;
    handshakeTimeout: number;
  };
}

export interface ObjectInfo {
  id: string;
  typeid: string;
  /** The proxy kind clients get ('list', 'dict' or 'auto'). */
  kind: ProxyKind;
  /** What the referent is: 'Queue', 'Lock', 'list', 'dict', 'Namespace', a class name, ... */
  referent: string;
  /** References held by each client connection (client id → count). */
  refs: Array<{ client: number; count: number }>;
  /** References held by containers on the server (nested proxies). */
  internalRefs: number;
  /** The client that created it; null when unknown. */
  createdBy: number | null;
  /** Seconds since it was created. */
  age: number;
  /**
   * Per kind: sizes and who holds or waits. Absent for other objects, and for dicts served over a
   * plain JS object (their size is not stored; counting would walk every key).
   */
  details?: ObjectDetails;
}

/** Client ids (ClientInfo.id); null is the server program itself (an in-process owner). */
export type OwnerId = number | null;

export type ObjectDetails =
  | { type: 'queue'; size: number; maxsize: number; waitingGetters: number; waitingPutters: number; unfinishedTasks: number }
  | { type: 'lock'; locked: boolean; holder: OwnerId; level: number; waiting: number; waiters: OwnerId[] }
  | { type: 'semaphore'; value: number; holders: Array<{ client: OwnerId; units: number }>; waiting: number; waiters: OwnerId[] }
  | { type: 'condition'; locked: boolean; holder: OwnerId; waiting: number; waiters: OwnerId[] }
  | { type: 'event'; set: boolean; waiting: number }
  | { type: 'barrier'; parties: number; waiting: number; broken: boolean }
  | { type: 'sized'; length: number }
  | { type: 'pool'; processes: number; state: 'run' | 'close' | 'terminate'; tasksPending: number; itemsDone: number; itemsSubmitted: number };

/**
 * A shared object outside lib/server (a Pool) describes itself through a method under this key: a
 * symbol, so no client can ever call it by name.
 */
export const describeDetails: unique symbol = Symbol('mpmanagers.describeDetails');

export interface ClientInfo {
  id: number;
  /** host:port or the socket path of the peer. */
  peer: string;
  /** Epoch milliseconds. */
  connectedSince: number;
  calls: number;
  inFlight: number;
  /** Distinct objects it holds references to. */
  objectsHeld: number;
  bytesIn: number;
  bytesOut: number;
  tls: boolean;
}
