// The REF extension payload: a WireRef as the array [typeid, address, id, exposed, kind, foreign].
// address is [host, port], a socket path, or nil; the last three are nil when absent, and trailing
// absent ones are left out (a client's reference is just [typeid, address, id]).
import { ProtocolError } from '../errors.js';
import type { ProxyKind, WireRef } from '../protocol.js';
import type { Address } from '../connection/address.js';

export function refToPayload(ref: WireRef): unknown[] {
  const payload: unknown[] = [ref.typeid, ref.address ?? null, ref.id, ref.exposed ?? null, ref.kind ?? null, ref.foreign ?? null];
  while (payload.length > 3 && payload[payload.length - 1] === null) payload.pop();
  return payload;
}

/** Checks every field: a peer's malformed reference is a ProtocolError, never a half-built proxy. */
export function refFromPayload(payload: unknown[]): WireRef {
  if (payload.length < 3 || payload.length > 6) throw badRef(`${payload.length} fields`);
  const [typeid, address, id, exposed = null, kind = null, foreign = null] = payload;
  if (typeof typeid !== 'string') throw badRef('typeid is not a string');
  if (typeof id !== 'string') throw badRef('id is not a string');
  const ref: WireRef = { typeid, address: addressFromPayload(address), id };
  if (exposed !== null) {
    if (!Array.isArray(exposed) || !exposed.every((name) => typeof name === 'string')) {
      throw badRef('exposed is not a list of names');
    }
    ref.exposed = exposed;
  }
  if (kind !== null) {
    if (typeof kind !== 'string' || !PROXY_KINDS.has(kind)) throw badRef(`unknown proxy kind ${String(kind)}`);
    ref.kind = kind as ProxyKind;
  }
  if (foreign !== null) {
    if (typeof foreign !== 'boolean') throw badRef('foreign is not a boolean');
    ref.foreign = foreign;
  }
  return ref;
}

// Written as a record so that a new ProxyKind fails to compile here until it is added.
const PROXY_KINDS: ReadonlySet<string> = new Set(Object.keys({ auto: 1, list: 1, dict: 1 } satisfies Record<ProxyKind, 1>));

function addressFromPayload(address: unknown): Address | undefined {
  if (address === null) return undefined;
  if (typeof address === 'string') return address;
  if (Array.isArray(address) && address.length === 2) {
    const [host, port] = address as unknown[];
    if (typeof host === 'string' && Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535) {
      return [host, port as number];
    }
  }
  throw badRef('address is neither [host, port], a path nor nil');
}

function badRef(reason: string): ProtocolError {
  return new ProtocolError(`bad reference payload: ${reason}`);
}
