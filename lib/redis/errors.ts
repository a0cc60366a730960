// Redis's answers turned into this library's errors: a script's `MPERR <Name> <message>` becomes the
// class of that name (KeyError, Full, RuntimeError...), WRONGTYPE a TypeError naming the key, and a
// failure to reach Redis at all (connection lost, command timed out, retries exhausted)
// ConnectionClosedError, as a dropped manager connection is.
import { ConnectionClosedError, ManagerError, TypeError as PyTypeError, errorClassesByName } from '../errors.js';

/** ioredis's Cluster wrapping of the reply a command got on its last allowed redirection. */
const WRAPPED = /^Too many Cluster redirections\. Last error: ReplyError: ([\s\S]*)$/;
const REDIRECTION = /^(?:MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;

/**
 * The error reply Redis sent, or undefined if `error` is not one. ioredis's Cluster counts every
 * reply after a redirection against `maxRedirections`, so an ordinary reply (NOSCRIPT, a script's
 * MPERR) on the last allowed try comes wrapped as "Too many Cluster redirections. Last error:
 * ReplyError: ...": unwrapped here, but for a redirection, which is a failure to reach the node.
 */
export function replyMessage(error: Error): string | undefined {
  if (error.name === 'ReplyError') return error.message;
  const inner = WRAPPED.exec(error.message)?.[1];
  return inner !== undefined && !REDIRECTION.test(inner) ? inner : undefined;
}

export function fromRedisError(error: unknown, what: string): Error {
  if (!(error instanceof Error)) return new ManagerError(String(error));
  if (error instanceof ManagerError) return error;
  const message = replyMessage(error);
  if (message !== undefined) {
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
  return new ConnectionClosedError(`${what}: Redis is unreachable (${error.message})`, { cause: error });
}
