// The ERROR extension payload: [name, message, stack, fields, cause].
//   name, message: strings; stack: string or nil;
//   fields: [[key, value], ...], the error's own enumerable data properties (such as `code`) other
//           than name, message, stack and cause; values are any encodable value, refs included;
//   cause:  the same five-element array for `error.cause` when that is an Error, with its own cause
//           left out (nil), else nil. Causes travel one level deep.
// Decoding rebuilds the class named in errorClassesByName, else a RemoteError, and gives it the
// remote stack, so that the server-side frames show where the error was raised.
import { errorClassesByName, ProtocolError, RemoteError } from '../errors.js';

/** `withFields` false leaves the fields out: the fallback when some field cannot be encoded. */
export function errorToPayload(error: Error, withFields: boolean): unknown[] {
  const cause: unknown = error.cause;
  return [...describeError(error, withFields), cause instanceof Error ? [...describeError(cause, withFields), null] : null];
}

export function errorFromPayload(payload: unknown[]): Error {
  return buildError(payload, true);
}

/** Carried apart from the fields (RemoteError's own two are its name and stack, re-sent as such). */
const NOT_FIELDS: ReadonlySet<string> = new Set(['name', 'message', 'stack', 'cause']);
const REMOTE_ERROR_NOT_FIELDS: ReadonlySet<string> = new Set([...NOT_FIELDS, 'remoteName', 'remoteStack']);

/** [name, message, stack, fields]. A RemoteError passed on goes out as the error it stands for. */
function describeError(error: Error, withFields: boolean): unknown[] {
  let name = typeof error.name === 'string' ? error.name : 'Error';
  let message = String(error.message);
  let stack = typeof error.stack === 'string' ? error.stack : null;
  if (error instanceof RemoteError) {
    name = error.remoteName;
    const prefix = `${name}: `;
    if (message.startsWith(prefix)) message = message.slice(prefix.length);
    stack = error.remoteStack ?? stack;
  }
  const notFields = error instanceof RemoteError ? REMOTE_ERROR_NOT_FIELDS : NOT_FIELDS;
  const fields: unknown[] = [];
  if (withFields) {
    for (const key of Object.keys(error)) {
      if (notFields.has(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (descriptor !== undefined && 'value' in descriptor) fields.push([key, descriptor.value]);
    }
  }
  return [name, message, stack, fields];
}

function buildError(payload: unknown, withCause: boolean): Error {
  if (!Array.isArray(payload) || payload.length !== 5) throw badError('not a five-element array');
  const [name, message, stack, fields, cause] = payload as unknown[];
  if (typeof name !== 'string' || typeof message !== 'string') throw badError('name or message is not a string');
  if (stack !== null && typeof stack !== 'string') throw badError('stack is neither a string nor nil');
  if (!Array.isArray(fields) || !fields.every(isField)) throw badError('fields are not [name, value] pairs');
  if (cause !== null && !withCause) throw badError('a cause has a cause');

  const ErrorClass = errorClassesByName.get(name);
  const error = ErrorClass !== undefined ? new ErrorClass(message) : new RemoteError(name, message, stack ?? undefined);
  if (stack !== null) Object.defineProperty(error, 'stack', hidden(stack));
  // defineProperty, not assignment: a field named `__proto__` stays a plain own property.
  for (const [key, value] of fields as [string, unknown][]) {
    Object.defineProperty(error, key, { value, writable: true, enumerable: true, configurable: true });
  }
  if (cause !== null) Object.defineProperty(error, 'cause', hidden(buildError(cause, false)));
  return error;
}

function isField(field: unknown): boolean {
  return Array.isArray(field) && field.length === 2 && typeof field[0] === 'string';
}

/** As the engine defines `stack` and `cause`: own, writable, not enumerable. */
function hidden(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: false, configurable: true };
}

function badError(reason: string): ProtocolError {
  return new ProtocolError(`bad error payload: ${reason}`);
}
