// The control operations (CPython's `Server.public`), sent as requests with a null object id on the
// same multiplexed connection as every other call (CPython opens a new connection for each).
import { AttributeError, TypeError as PyTypeError } from '../errors.js';
import type { Server } from './server.js';
import type { ServerSession } from './session.js';
import { CHUNKS_VERSION, ourLimits, parsePeerLimits, type PeerLimits } from '../connection/peerLimits.js';

export function runControl(
  server: Server,
  session: ServerSession,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> | null,
): unknown {
  switch (method) {
    case 'create': {
      const [typeid, ...rest] = args;
      if (typeof typeid !== 'string') throw new PyTypeError('create: typeid must be a string');
      return server.create(session, typeid, rest, kwargs);
    }
    case 'incref':
      server.table.incref(session, idArg(args));
      return null;
    case 'decref':
      server.table.decref(session, idArg(args));
      return null;
    case 'get_methods':
      return server.table.get(idArg(args)).exposedList;
    case 'debug_info':
      return server.table.debugInfo();
    case 'number_of_objects':
      return server.table.numberOfObjects();
    case 'shutdown':
      server.requestShutdown();
      return null;
    case 'dummy':
      // With kwargs, the client's limits and ours in reply (docs/protocol.md §3.1); bare, CPython's ping.
      return kwargs === null ? null : exchangeLimits(session, kwargs);
    default:
      throw new AttributeError(`'${method}' is not a control operation`);
  }
}

/** Notes what the client accepts and answers what this server accepts. */
function exchangeLimits(session: ServerSession, kwargs: Record<string, unknown>): PeerLimits {
  const limits = parsePeerLimits(kwargs);
  if (limits === undefined) throw new PyTypeError('dummy: malformed limits');
  session.connection.notePeerLimits(limits.maxFrameSize, limits.chunks >= CHUNKS_VERSION);
  return ourLimits(session.connection);
}

function idArg(args: unknown[]): string {
  const id = args[0];
  if (typeof id !== 'string') throw new PyTypeError('expected an object id (string)');
  return id;
}
