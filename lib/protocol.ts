// The wire vocabulary, and nothing else: message shapes and their codes. Byte layout and the
// rules around these messages are written down in docs/protocol.md.
import type { Address } from './connection/address.js';

export const enum MessageType {
  /** client → server: [Request, requestId, objectId | null, method, args, kwargs | null] */
  Request = 0,
  /** server → client: [Reply, requestId, ReplyKind, payload] */
  Reply = 1,
  /** client → server: [Cancel, requestId]: abandon a pending (waiting) call; it rejects AbortError */
  Cancel = 2,
  /** either way: [Ping, nonce]; answered by [Pong, nonce] */
  Ping = 3,
  Pong = 4,
}

export const enum ReplyKind {
  /** payload = the method's result */
  Return = 0,
  /** payload = an Error (codec extension); rebuilt by class on the client */
  Error = 1,
}

export type RequestMessage = [
  type: MessageType.Request,
  requestId: number,
  objectId: string | null,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> | null,
];
export type ReplyMessage = [type: MessageType.Reply, requestId: number, kind: ReplyKind, payload: unknown];
export type CancelMessage = [type: MessageType.Cancel, requestId: number];
export type PingMessage = [type: MessageType.Ping | MessageType.Pong, nonce: number];
export type Message = RequestMessage | ReplyMessage | CancelMessage | PingMessage;

/**
 * Control operations: requests whose objectId is null. The names are CPython's `Server.public`.
 */
export const CONTROL_METHODS = [
  'create',
  'incref',
  'decref',
  'get_methods',
  'debug_info',
  'number_of_objects',
  'shutdown',
  'dummy',
] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

/** How a client should wrap a referent when the registry names no proxy type. */
export type ProxyKind = 'auto' | 'list' | 'dict';

/** Identifies one shared object: which type, which server, which object. As CPython's Token. */
export class Token {
  constructor(
    readonly typeid: string,
    readonly address: Address | undefined,
    readonly id: string,
  ) {}
  toString(): string {
    const addr = this.address === undefined ? 'None' : JSON.stringify(this.address);
    return `Token(typeid=${JSON.stringify(this.typeid)}, address=${addr}, id=${JSON.stringify(this.id)})`;
  }
}

/**
 * A reference to a shared object as it travels inside a message (codec extension type REF).
 * Server → client, it carries one reference owned by the receiving connection (the client's
 * proxy takes it over; no incref round trip). Client → server, it carries none: the sender's
 * proxy is alive for the duration of the call.
 */
export interface WireRef {
  typeid: string;
  address: Address | undefined;
  id: string;
  /** Server → client only: the exposed method names, and the proxy kind to fall back on. */
  exposed?: string[];
  kind?: ProxyKind;
  /** A reference to an object of some OTHER server, passed through as plain data (no refcount). */
  foreign?: boolean;
}
