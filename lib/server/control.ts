// The control operations (CPython's `Server.public`), sent as requests with a null object id on the
// same multiplexed connection as every other call (CPython opens a new connection for each).
import { AttributeError, TypeError as PyTypeError } from '../errors.js';
import type { Server } from './server.js';
import { VERSION } from '../version.js';
import type { ServerSession } from './session.js';

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
      return null;
    case 'version':
      return `mpmanagers ${VERSION}`;
    default:
      throw new AttributeError(`'${method}' is not a control operation`);
  }
}

function idArg(args: unknown[]): string {
  const id = args[0];
  if (typeof id !== 'string') throw new PyTypeError('expected an object id (string)');
  return id;
}
