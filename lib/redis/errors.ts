// Redis's answers turned into this library's errors: a script's `MPERR <Name> <message>` becomes the
// class of that name (KeyError, Full, RuntimeError...), WRONGTYPE a TypeError naming the key, and a
// failure to reach Redis at all (connection lost, command timed out, retries exhausted)
// ConnectionClosedError, as a dropped manager connection is.
import { ConnectionClosedError, ManagerError, TypeError as PyTypeError, errorClassesByName } from '../errors.js';

export function fromRedisError(error: unknown, what: string): Error {
  if (!(error instanceof Error)) return new ManagerError(String(error));
  if (error instanceof ManagerError) return error;
  const message = error.message;
  if (error.name === 'ReplyError') {
    const mp = /^(?:ERR )?.*?MPERR (\w+) ([\s\S]*?)(?: script: .*)?$/.exec(message);
    if (mp !== null) {
      const cls = errorClassesByName.get(mp[1]);
      return cls === undefined ? new ManagerError(`${what}: ${mp[2]}`) : new cls(mp[2]);
    }
    if (message.startsWith('WRONGTYPE')) {
      return new PyTypeError(`${what}: a Redis key of this object holds another kind of value (${message}); was it written by something else?`);
    }
    return new ManagerError(`${what}: Redis replied ${message}`, { cause: error });
  }
  return new ConnectionClosedError(`${what}: Redis is unreachable (${message})`, { cause: error });
}
