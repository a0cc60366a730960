// How a JS value looks to Python: its type name, whether it is a dict, whether it is an int.

/** Python's `type(x).__name__` for a JS value (int/float/str/bool/NoneType/list/dict/bytes/...). */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'NoneType';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'str';
    case 'function':
      return 'function';
    case 'symbol':
      return 'symbol';
  }
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (isDict(value)) return 'dict';
  if (value instanceof Set) return 'set';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Date) return 'datetime';
  const tag: unknown = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (tag === 'Generator') return 'generator';
  if (tag === 'AsyncGenerator') return 'async_generator';
  if (typeof tag === 'string') return tag;
  const constructorName: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof constructorName === 'string' && constructorName !== '' ? constructorName : 'object';
}

/** A plain object: a `{...}` literal or an `Object.create(null)` record. Served as a dict. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What Python would call a dict: a Map or a plain object. */
export function isDict(value: unknown): value is Map<unknown, unknown> | Record<string, unknown> {
  return value instanceof Map || isPlainObject(value);
}

/** Python's integer check for sizes and positions: a JS integer or a bigint (booleans are not). */
export function asPyInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
