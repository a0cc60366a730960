// Every error the library raises, one class per failure. Python-named errors (Empty, KeyError, ...)
// keep their class across the wire: the codec looks them up by `name` in `errorClassesByName`.

/** Base of every error this library defines. */
export class ManagerError extends Error {
  override name = 'ManagerError';
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The peer failed the HMAC challenge, or rejected ours. */
export class AuthenticationError extends ManagerError {
  override name = 'AuthenticationError';
}

/** The connection is gone; every call pending on it rejects with this. */
export class ConnectionClosedError extends ManagerError {
  override name = 'ConnectionClosedError';
}

/** A malformed, oversized or undecodable frame or message. The connection that sent it is closed. */
export class ProtocolError extends ManagerError {
  override name = 'ProtocolError';
}

/** A remote failure whose class has no local counterpart; carries the remote name, message and stack. */
export class RemoteError extends ManagerError {
  override name = 'RemoteError';
  constructor(
    readonly remoteName: string,
    message: string,
    readonly remoteStack?: string,
  ) {
    super(`${remoteName}: ${message}`);
  }
}

// ---- Python-named errors: raised by referents and primitives, and rebuilt by class on the client.

export class Empty extends ManagerError {
  override name = 'Empty';
}
export class Full extends ManagerError {
  override name = 'Full';
}
export class KeyError extends ManagerError {
  override name = 'KeyError';
}
export class IndexError extends ManagerError {
  override name = 'IndexError';
}
export class ValueError extends ManagerError {
  override name = 'ValueError';
}
export class TypeError extends ManagerError {
  override name = 'TypeError';
}
/** Raised where Python raises OverflowError: a number that does not fit a typecode. */
export class RangeError extends ManagerError {
  override name = 'RangeError';
}
export class RuntimeError extends ManagerError {
  override name = 'RuntimeError';
}
export class AttributeError extends ManagerError {
  override name = 'AttributeError';
}
export class BrokenBarrierError extends RuntimeError {
  override name = 'BrokenBarrierError';
}
export class TimeoutError extends ManagerError {
  override name = 'TimeoutError';
}
/** The end of a server-side iterator; ends `for await` loops over iterator proxies. */
export class StopIteration extends ManagerError {
  override name = 'StopIteration';
}
/** A wait was cancelled through its AbortSignal. */
export class AbortError extends ManagerError {
  override name = 'AbortError';
}

/** The other end of a multiprocessing.connection Connection (a Pipe, a Client) is closed: nothing more to receive. */
export class EOFError extends ManagerError {
  override name = 'EOFError';
}

/**
 * A server limit was reached: too many connections, calls in flight on one connection, objects
 * created by one client, or a result larger than a frame may be. `limit` names the option
 * (`maxConnections`, `maxInFlight`, `maxObjectsPerConnection`, `maxFrameSize`, or the codec's
 * `maxMessageSize`); the message says what was refused.
 */
export class LimitError extends ManagerError {
  override name = 'LimitError';
  /** The ServerOptions field whose limit was reached (travels with the error as a data field). */
  declare limit?: string;
  constructor(message?: string, limit?: string) {
    super(message);
    if (limit !== undefined) this.limit = limit;
  }
}

/**
 * The server refuses what this connection is not allowed to do: run a pool module it was not
 * configured with (ServerOptions.poolModules), or use an object reference it was never given
 * (ServerOptions.strictReferences). The refusal is logged on the server (`mpmanagers:server`).
 */
export class PermissionError extends ManagerError {
  override name = 'PermissionError';
}

/**
 * A RedisManager write that must survive a failover (`replicaAcks` > 0: a Queue put, a task_done)
 * was not acknowledged by enough replicas within `replicaAckTimeout`. The write may still have
 * happened on the master (and may still reach a replica): a caller that retries gets at-least-once.
 * A ConnectionClosedError, so code that retries on that retries on this too.
 */
export class ReplicaAckError extends ConnectionClosedError {
  override name = 'ReplicaAckError';
  /** Replicas that acknowledged (WAIT's reply), and how many were wanted (as data fields). */
  declare acked?: number;
  declare wanted?: number;
  constructor(message?: string, acked?: number, wanted?: number) {
    super(message);
    if (acked !== undefined) this.acked = acked;
    if (wanted !== undefined) this.wanted = wanted;
  }
}

type ErrorClass = new (message?: string) => Error;

/**
 * Classes rebuilt by name when an error crosses the wire. JavaScript's own TypeError and RangeError
 * arrive as ours (same name), so a referent may throw either.
 */
export const errorClassesByName: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ['ManagerError', ManagerError],
  ['AuthenticationError', AuthenticationError],
  ['ConnectionClosedError', ConnectionClosedError],
  ['ProtocolError', ProtocolError],
  ['Empty', Empty],
  ['Full', Full],
  ['KeyError', KeyError],
  ['IndexError', IndexError],
  ['ValueError', ValueError],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['RuntimeError', RuntimeError],
  ['AttributeError', AttributeError],
  ['BrokenBarrierError', BrokenBarrierError],
  ['TimeoutError', TimeoutError],
  ['StopIteration', StopIteration],
  ['AbortError', AbortError],
  ['LimitError', LimitError],
  ['PermissionError', PermissionError],
  ['EOFError', EOFError],
  ['ReplicaAckError', ReplicaAckError],
]);
