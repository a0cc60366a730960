// The only Python globals a pickle may name: what crosses a manager connection (tokens, proxies,
// exceptions, a few builtins older protocols need). Looking up anything else throws ProtocolError,
// and each global can only be used the way listed here (REDUCE with checked arguments, or NEWOBJ +
// BUILD for Token). Nothing named in a pickle is ever called: every entry maps to a builder here.
import {
  AttributeError,
  AuthenticationError,
  BrokenBarrierError,
  Empty,
  Full,
  IndexError,
  KeyError,
  ProtocolError,
  RangeError,
  RemoteError,
  RuntimeError,
  StopIteration,
  TimeoutError,
  TypeError as PyTypeError,
  ValueError,
} from '../../errors.js';
import type { ProxyKind } from '../../protocol.js';
import { Slice } from '../slice.js';
import { PyByteArray, frozenset } from './values.js';

export type GlobalSpec =
  | { readonly kind: 'exception'; readonly build: (message: string) => Error }
  | { readonly kind: 'reduce'; readonly build: (args: readonly unknown[]) => unknown }
  | { readonly kind: 'token' }
  | { readonly kind: 'rebuildProxy' }
  | { readonly kind: 'proxyClass'; readonly proxyKind: ProxyKind }
  | { readonly kind: 'orderedDict' };

/** A global named by a pickle (GLOBAL / STACK_GLOBAL), found in the allowlist. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly spec: GlobalSpec,
  ) {}
}

/** The allowlisted global `module.name`, or ProtocolError. */
export function findGlobal(module: string, name: string): PyGlobal {
  const spec = ALLOWED.get(`${PYTHON2_MODULES.get(module) ?? module}.${name}`);
  if (spec === undefined) throw new ProtocolError(`pickle names a global that is not allowed: ${module}.${name}`);
  return new PyGlobal(module, name, spec);
}

/** Protocols 0-2 write Python 2 module names (pickle's fix_imports): read them as Python 3's. */
const PYTHON2_MODULES: ReadonlyMap<string, string> = new Map([
  ['__builtin__', 'builtins'],
  ['exceptions', 'builtins'],
  ['Queue', 'queue'],
]);

type ErrorClass = new (message?: string) => Error;

/** Python exception classes that have a class of ours, by qualified name. */
const OUR_EXCEPTIONS: ReadonlyArray<[string, ErrorClass]> = [
  ['builtins.KeyError', KeyError],
  ['builtins.IndexError', IndexError],
  ['builtins.ValueError', ValueError],
  ['builtins.TypeError', PyTypeError],
  ['builtins.RuntimeError', RuntimeError],
  ['builtins.AttributeError', AttributeError],
  ['builtins.StopIteration', StopIteration],
  ['builtins.TimeoutError', TimeoutError],
  ['builtins.OverflowError', RangeError],
  ['queue.Empty', Empty],
  ['_queue.Empty', Empty],
  ['queue.Full', Full],
  ['threading.BrokenBarrierError', BrokenBarrierError],
  ['multiprocessing.context.TimeoutError', TimeoutError],
  ['multiprocessing.context.AuthenticationError', AuthenticationError],
];

/** Builtin exceptions without a class of ours: they arrive as RemoteError named for them. */
export const OTHER_BUILTIN_EXCEPTIONS: readonly string[] = [
  'BaseException', 'Exception', 'ArithmeticError', 'AssertionError', 'BufferError', 'EOFError',
  'FloatingPointError', 'ImportError', 'ModuleNotFoundError', 'LookupError', 'MemoryError', 'NameError',
  'UnboundLocalError', 'NotImplementedError', 'OSError', 'BlockingIOError', 'ChildProcessError',
  'ConnectionError', 'BrokenPipeError', 'ConnectionAbortedError', 'ConnectionRefusedError',
  'ConnectionResetError', 'FileExistsError', 'FileNotFoundError', 'InterruptedError',
  'IsADirectoryError', 'NotADirectoryError', 'PermissionError', 'ProcessLookupError',
  'RecursionError', 'ReferenceError', 'StopAsyncIteration', 'SystemError', 'UnicodeError',
  'UnicodeDecodeError', 'UnicodeEncodeError', 'ZeroDivisionError', 'GeneratorExit',
  'KeyboardInterrupt', 'SystemExit',
];

/** Our error names → the Python class they are written as (module, name). */
export const PYTHON_CLASS_OF_ERROR: ReadonlyMap<string, readonly [string, string]> = new Map<string, readonly [string, string]>([
  ['KeyError', ['builtins', 'KeyError']],
  ['IndexError', ['builtins', 'IndexError']],
  ['ValueError', ['builtins', 'ValueError']],
  ['TypeError', ['builtins', 'TypeError']],
  ['RuntimeError', ['builtins', 'RuntimeError']],
  ['AttributeError', ['builtins', 'AttributeError']],
  ['StopIteration', ['builtins', 'StopIteration']],
  ['TimeoutError', ['builtins', 'TimeoutError']],
  ['RangeError', ['builtins', 'OverflowError']],
  ['Empty', ['queue', 'Empty']],
  ['Full', ['queue', 'Full']],
  ['BrokenBarrierError', ['threading', 'BrokenBarrierError']],
  ['AuthenticationError', ['multiprocessing', 'AuthenticationError']],
  ...OTHER_BUILTIN_EXCEPTIONS.map((name) => [name, ['builtins', name]] as [string, readonly [string, string]]),
]);

/** The Python proxy classes a RebuildProxy may name, and the proxy kind each stands for. */
const PROXY_CLASSES: ReadonlyArray<[string, ProxyKind]> = [
  ['AutoProxy', 'auto'],
  ['BaseProxy', 'auto'],
  ['ListProxy', 'list'],
  ['BaseListProxy', 'list'],
  ['DictProxy', 'dict'],
  ['NamespaceProxy', 'auto'],
  ['ValueProxy', 'auto'],
  ['ArrayProxy', 'auto'],
  ['AcquirerProxy', 'auto'],
  ['ConditionProxy', 'auto'],
  ['EventProxy', 'auto'],
  ['BarrierProxy', 'auto'],
  ['IteratorProxy', 'auto'],
  ['PoolProxy', 'auto'],
];

const ALLOWED = new Map<string, GlobalSpec>();
for (const [qualified, cls] of OUR_EXCEPTIONS) ALLOWED.set(qualified, { kind: 'exception', build: (m) => new cls(m) });
for (const name of OTHER_BUILTIN_EXCEPTIONS) {
  ALLOWED.set(`builtins.${name}`, { kind: 'exception', build: (m) => new RemoteError(name, m) });
}
ALLOWED.set('multiprocessing.managers.RemoteError', { kind: 'exception', build: (m) => new RemoteError('RemoteError', m) });
ALLOWED.set('multiprocessing.managers.Token', { kind: 'token' });
ALLOWED.set('multiprocessing.managers.RebuildProxy', { kind: 'rebuildProxy' });
for (const [name, proxyKind] of PROXY_CLASSES) ALLOWED.set(`multiprocessing.managers.${name}`, { kind: 'proxyClass', proxyKind });
ALLOWED.set('collections.OrderedDict', { kind: 'orderedDict' });
ALLOWED.set('builtins.slice', { kind: 'reduce', build: buildSlice });
ALLOWED.set('builtins.set', { kind: 'reduce', build: (args) => new Set(iterableArg(args, 'set')) });
ALLOWED.set('builtins.frozenset', { kind: 'reduce', build: (args) => frozenset(iterableArg(args, 'frozenset')) });
ALLOWED.set('builtins.bytes', { kind: 'reduce', build: (args) => buildBytes(args, Uint8Array) });
ALLOWED.set('builtins.bytearray', { kind: 'reduce', build: (args) => buildBytes(args, PyByteArray) });
// Protocol 2 writes bytes as _codecs.encode(text, 'latin1').
ALLOWED.set('_codecs.encode', { kind: 'reduce', build: (args) => buildBytes(args, Uint8Array) });
ALLOWED.set('builtins.range', { kind: 'reduce', build: buildRange });
ALLOWED.set('array.array', { kind: 'reduce', build: buildArray });
ALLOWED.set('array._array_reconstructor', { kind: 'reduce', build: buildArrayFromMachineFormat });

function bad(what: string): ProtocolError {
  return new ProtocolError(`pickle: bad arguments for ${what}`);
}

function buildSlice(args: readonly unknown[]): Slice {
  if (args.length > 3 || !args.every((a) => a === null || typeof a === 'number')) throw bad('slice');
  if (args.length === 1) return new Slice(null, args[0], null);
  return new Slice(...(args as (number | null)[]));
}

/** Most items a pickled range may expand to (a range is a few bytes; its list is not). */
const MAX_RANGE_ITEMS = 1_000_000;

/** range(start, stop, step) arrives as the list of its items. */
function buildRange(args: readonly unknown[]): number[] {
  if (args.length !== 3 || !args.every((a) => Number.isSafeInteger(a)) || args[2] === 0) throw bad('range');
  const [start, stop, step] = args as [number, number, number];
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE_ITEMS) throw new ProtocolError(`pickle: a range of ${count} items is more than ${MAX_RANGE_ITEMS}`);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

function iterableArg(args: readonly unknown[], what: string): readonly unknown[] {
  if (args.length === 0) return [];
  if (args.length !== 1 || !Array.isArray(args[0])) throw bad(what);
  return args[0] as unknown[];
}

function buildBytes<T extends Uint8Array>(args: readonly unknown[], Kind: new (b: ArrayLike<number>) => T): T {
  if (args.length === 0) return new Kind([]);
  const [data, encoding] = args;
  if (args.length === 1 && data instanceof Uint8Array) return new Kind(data);
  if (args.length === 2 && typeof data === 'string' && (encoding === 'latin1' || encoding === 'latin-1')) {
    return new Kind(Buffer.from(data, 'latin1'));
  }
  throw bad('bytes');
}

/** array.array(typecode, list): its items, as a plain array. */
function buildArray(args: readonly unknown[]): unknown[] {
  if (args.length !== 2 || typeof args[0] !== 'string' || !Array.isArray(args[1])) throw bad('array.array');
  return [...(args[1] as unknown[])];
}

/** CPython's array pickles (protocol 3+): (array.array, typecode, machine format code, raw bytes). */
type Reader = (v: DataView, at: number, le: boolean) => number | bigint;
const INT_FORMATS: ReadonlyArray<[size: number, read: Reader]> = [
  [2, (v, at, le) => v.getUint16(at, le)],
  [2, (v, at, le) => v.getInt16(at, le)],
  [4, (v, at, le) => v.getUint32(at, le)],
  [4, (v, at, le) => v.getInt32(at, le)],
  [8, (v, at, le) => v.getBigUint64(at, le)],
  [8, (v, at, le) => v.getBigInt64(at, le)],
  [4, (v, at, le) => v.getFloat32(at, le)],
  [8, (v, at, le) => v.getFloat64(at, le)],
];

/** Machine format codes (CPython's arraymodule.c): 0 u8, 1 i8, then LE/BE pairs from 2 to 17, 18-21 UTF-16/32 LE/BE. */
function machineFormat(code: number): [size: number, read: Reader, littleEndian: boolean] | undefined {
  if (code === 0) return [1, (v, at) => v.getUint8(at), true];
  if (code === 1) return [1, (v, at) => v.getInt8(at), true];
  const format = INT_FORMATS[(code - 2) >> 1];
  return format === undefined ? undefined : [format[0], format[1], code % 2 === 0];
}

function buildArrayFromMachineFormat(args: readonly unknown[]): unknown[] {
  const [, typecode, code, data] = args;
  if (args.length !== 4 || typeof typecode !== 'string' || !Number.isInteger(code) || !(data instanceof Uint8Array)) {
    throw bad('array._array_reconstructor');
  }
  if (code === 18) return [...Buffer.from(data).toString('utf16le')]; // 'u' arrays: one string per character
  const format = (code as number) >= 0 && (code as number) <= 17 ? machineFormat(code as number) : undefined;
  if (format === undefined) throw bad('array._array_reconstructor');
  const [size, read, littleEndian] = format;
  if (data.length % size !== 0) throw bad('array._array_reconstructor');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const items: unknown[] = [];
  for (let at = 0; at < data.length; at += size) {
    const v = read(view, at, littleEndian);
    items.push(typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v);
  }
  return items;
}
