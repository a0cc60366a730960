// The server's resource limits: their options and defaults, how an over-limit connection is turned
// away with a typed error, and the sweep that closes idle connections.
import createDebug from 'debug';
import type { Connection } from '../connection/connection.js';
import { Codec } from '../codec/codec.js';
import { ValueError } from '../errors.js';
import { MessageType, ReplyKind } from '../protocol.js';

const log = createDebug('mpmanagers:server');

/** The limits of ServerOptions (also accepted by ManagerOptions and passed on by getServer()). */
export interface LimitOptions {
  /**
   * Most authenticated client connections at once. One more completes the handshake, is told
   * LimitError (its `connect()` rejects with it) and is closed. Default 16384. `null` = no limit
   * (the process's file-descriptor limit then decides).
   */
  maxConnections?: number | null;
  /**
   * Most calls of one connection the server holds unanswered at once: calls waiting in a `get`,
   * `acquire`, `wait`..., or running asynchronously. While a connection is at the limit, each
   * further request is answered at once with LimitError (nothing is queued); cancels and pings are
   * still read, so the client can always free a slot. Default 16384. `null` = no limit.
   */
  maxInFlight?: number | null;
  /**
   * Most live shared objects one connection may have created (`create`, and results served as new
   * objects through method_to_typeid). One more is refused with LimitError. An object counts until
   * it is freed, even once its creator has let it go (stored in a container, say). Default 100000.
   * `null` = no limit.
   */
  maxObjectsPerConnection?: number | null;
  /**
   * Seconds a connection may stay idle (no request received and no call pending) before the
   * server closes it; the client's next call rejects ConnectionClosedError saying why. Heartbeat
   * pings do not count as activity. Default null: idle connections stay open.
   */
  idleTimeout?: number | null;
}

export const DEFAULT_MAX_CONNECTIONS = 16384;
export const DEFAULT_MAX_IN_FLIGHT = 16384;
export const DEFAULT_MAX_OBJECTS_PER_CONNECTION = 100_000;
/**
 * While more than this many reply bytes wait in a connection's socket buffer (its client is not
 * reading them), the server stops reading that client's requests: replies never pile up without bound.
 */
export const REPLY_BACKLOG_LIMIT = 8 * 1024 * 1024;

export interface LimitSettings {
  maxConnections: number;
  maxInFlight: number;
  maxObjectsPerConnection: number;
  /** Milliseconds, or null. */
  idleTimeoutMs: number | null;
}

/** Validated limits with defaults applied; `null` (no limit) becomes Infinity. Throws ValueError. */
export function limitSettings(options: LimitOptions): LimitSettings {
  return {
    maxConnections: count('maxConnections', options.maxConnections, DEFAULT_MAX_CONNECTIONS),
    maxInFlight: count('maxInFlight', options.maxInFlight, DEFAULT_MAX_IN_FLIGHT),
    maxObjectsPerConnection: count('maxObjectsPerConnection', options.maxObjectsPerConnection, DEFAULT_MAX_OBJECTS_PER_CONNECTION),
    idleTimeoutMs: seconds('idleTimeout', options.idleTimeout),
  };
}

/**
 * The message that tells a client why the server is closing its connection: a Reply to the
 * reserved request id 0 (docs/protocol.md). The client rejects its pending and later calls with it.
 */
export function goodbyeMessage(reason: Error): unknown[] {
  return [MessageType.Reply, 0, ReplyKind.Error, reason];
}

/** Turns away a connection that has no session (over maxConnections): the reason, then close. */
export function refuseConnection(connection: Connection, reason: Error): void {
  try {
    connection.send(new Codec().encode(goodbyeMessage(reason)));
  } catch (error) {
    log('%s: cannot send the goodbye notice: %O', connection.remoteLabel, error);
  }
  connection.close();
}

/** What the idle sweep needs to know of a connection. */
export interface IdleWatched {
  /** Requests received so far (any change is activity). */
  readonly requestsReceived: number;
  /** Calls received but not yet answered. */
  readonly inFlight: number;
}

/**
 * One timer for all connections: every quarter of the timeout it looks for connections with no new
 * request and nothing pending since the last look, and hands those idle for `timeoutMs` to `onIdle`.
 * A connection is closed between timeoutMs and 1.25 × timeoutMs after its last activity.
 */
export class IdleSweeper<S extends IdleWatched> {
  private readonly watched = new Map<S, { requests: number; activeAt: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: (session: S) => void,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.max(10, timeoutMs / 4)).unref();
  }

  add(session: S): void {
    this.watched.set(session, { requests: session.requestsReceived, activeAt: performance.now() });
  }

  delete(session: S): void {
    this.watched.delete(session);
  }

  stop(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [session, seen] of this.watched) {
      if (session.requestsReceived !== seen.requests || session.inFlight > 0) {
        seen.requests = session.requestsReceived;
        seen.activeAt = now;
      } else if (now - seen.activeAt >= this.timeoutMs) {
        this.watched.delete(session);
        this.onIdle(session);
      }
    }
  }
}

function count(name: string, value: number | null | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === null) return Infinity;
  if (!Number.isInteger(value) || value < 1) throw new ValueError(`${name} must be an integer >= 1 or null, not ${value}`);
  return value;
}

function seconds(name: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (!(value > 0) || !Number.isFinite(value)) throw new ValueError(`${name} must be a number of seconds > 0 or null, not ${value}`);
  return value * 1000;
}
