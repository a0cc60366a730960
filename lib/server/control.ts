// The control operations (CPython's `Server.public`), sent as requests with a null object id on the
// same multiplexed connection as every other call (CPython opens a new connection for each).
import { AttributeError, TypeError as PyTypeError } from '../errors.js';
import type { Server } from './server.js';
import { VERSION } from '../version.js';
import type { ServerSession } from './session.js';
import type { DescribeOptions } from './description.js';
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
      server.table.incref(session, session.requireReference(idArg(args)));
      return null;
    case 'decref':
      server.table.decref(session, idArg(args));
      return null;
    case 'get_methods':
      return server.table.get(session.requireReference(idArg(args))).exposedList;
    case 'debug_info':
      // Under strictReferences, the ids and contents of other connections' objects are not shown.
      return server.table.debugInfo(server.strictReferences ? session : undefined);
    case 'number_of_objects':
      return server.table.numberOfObjects();
    case 'describe':
      return server.describe(describeOptions(args[0]));
    case 'shutdown':
      server.requestShutdown();
      return null;
    case 'dummy':
      // With kwargs, the client's limits and ours in reply (docs/protocol.md §3.1); bare, CPython's ping.
      return kwargs === null ? null : exchangeLimits(session, kwargs);
    case 'version':
      return `mpmanagers ${VERSION}`;
    default:
      throw new AttributeError(`'${method}' is not a control operation`);
  }
}

/** describe's one optional argument: a map of DescribeOptions (unknown keys are ignored). */
function describeOptions(arg: unknown): DescribeOptions | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (typeof arg !== 'object' || Array.isArray(arg)) throw new PyTypeError('describe: expected an options map');
  const { objects, clients, objectsOffset, objectsLimit } = (arg instanceof Map ? Object.fromEntries(arg) : arg) as Record<string, unknown>;
  return {
    objects: objects === undefined ? undefined : objects !== false,
    clients: clients === undefined ? undefined : clients !== false,
    objectsOffset: objectsOffset as number | undefined,
    objectsLimit: objectsLimit as number | undefined,
  };
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
