// How CPython clients call: keyword arguments (q.get(timeout=1)) and the constructor signatures of
// SyncManager's types (Barrier(parties, action=None, timeout=None)). Our hosts and callables take
// positional arguments only, so a pickle session puts keywords in their places first.
import { TypeError as PyTypeError, ValueError } from '../errors.js';

/** Parameter names, in order, of the methods Python proxies call with keywords. */
const METHOD_PARAMETERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['get', ['block', 'timeout']],
  ['put', ['item', 'block', 'timeout']],
  ['acquire', ['blocking', 'timeout']],
  ['wait', ['timeout']],
  ['notify', ['n']],
]);

/** Positional arguments for `method`: the keywords CPython sent, put in their places. */
export function positionalArgs(method: string, args: readonly unknown[], kwargs: Record<string, unknown> | null): unknown[] {
  if (kwargs === null || Object.keys(kwargs).length === 0) return [...args];
  const names = METHOD_PARAMETERS.get(method);
  if (names === undefined) return [...args, kwargs]; // a registered callable's method: keywords as a last argument
  return place(method, names, args, kwargs);
}

/**
 * The arguments of our callable for SyncManager typeid `typeid` from CPython's `create` arguments.
 * Other typeids get the positional arguments and, if any, the keywords as a last object.
 */
export function createArgs(typeid: string, args: readonly unknown[], kwargs: Record<string, unknown> | null): unknown[] {
  const kw = kwargs ?? {};
  switch (typeid) {
    case 'Queue':
    case 'JoinableQueue':
      return trimmed(place(typeid, ['maxsize'], args, kw));
    case 'Semaphore':
    case 'BoundedSemaphore':
      return trimmed(place(typeid, ['value'], args, kw));
    case 'Condition':
      return trimmed(place(typeid, ['lock'], args, kw));
    case 'Barrier': {
      const [parties, action, timeout] = place(typeid, ['parties', 'action', 'timeout'], args, kw);
      if (action !== undefined && action !== null) throw new ValueError('Barrier(action=...): a Python callable cannot run on this server');
      return trimmed([parties, timeout]);
    }
    case 'Value': {
      const [typecode, value] = place(typeid, ['typecode', 'value', 'lock'], args, kw);
      return [typecode, pythonInteger(typecode, value)];
    }
    case 'Array':
      return place(typeid, ['typecode', 'sequence', 'lock'], args, kw).slice(0, 2);
    case 'list':
      return trimmed(place(typeid, ['sequence'], args, kw));
    case 'dict':
      // dict(mapping_or_pairs, **kw) / dict(**kw): one initial mapping.
      if (args.length > 1) throw new PyTypeError(`dict expected at most 1 argument, got ${args.length}`);
      if (Object.keys(kw).length === 0) return [...args];
      if (args.length === 0) return [kw];
      return [new Map([...toEntries(args[0]), ...Object.entries(kw)])];
    case 'Namespace':
      if (args.length > 0) throw new PyTypeError('Namespace() takes keyword arguments only');
      return [kw];
    default:
      return Object.keys(kw).length === 0 ? [...args] : [...args, kw];
  }
}

const INTEGER_TYPECODES = new Set('bBhHiIlLqQ');

/** Python's bool is an int: True where a Value of an integer typecode expects one is 1. */
export function pythonInteger(typecode: unknown, value: unknown): unknown {
  return typeof value === 'boolean' && typeof typecode === 'string' && INTEGER_TYPECODES.has(typecode) ? Number(value) : value;
}

function place(
  what: string,
  names: readonly string[],
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
): unknown[] {
  if (args.length > names.length) throw new PyTypeError(`${what}() takes at most ${names.length} positional arguments (${args.length} given)`);
  const out: unknown[] = [...args];
  for (const [key, value] of Object.entries(kwargs)) {
    const at = names.indexOf(key);
    if (at < 0) throw new PyTypeError(`${what}() got an unexpected keyword argument '${key}'`);
    if (at < args.length) throw new PyTypeError(`${what}() got multiple values for argument '${key}'`);
    out[at] = value;
  }
  return out;
}

/** Drops trailing holes, so that the callable's defaults apply. */
function trimmed(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return args.slice(0, end);
}

function toEntries(init: unknown): Iterable<[unknown, unknown]> {
  if (init instanceof Map) return init.entries() as Iterable<[unknown, unknown]>;
  if (Array.isArray(init)) return init as [unknown, unknown][];
  if (typeof init === 'object' && init !== null) return Object.entries(init);
  throw new PyTypeError('dict() argument must be a mapping or an iterable of pairs');
}
