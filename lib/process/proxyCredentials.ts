// What a receiving process needs to connect the proxies it is given as their sender did: per server
// address, the authkey and TLS client options of the sender's manager (see manager/channelOrigins).
// Sent over the IPC channel or to a worker thread, never on a command line. TLS options that cannot
// be copied to another process (functions such as checkServerIdentity, a SecureContext) are left out.
import createDebug from 'debug';
import type { Address } from '../connection/address.js';
import type { ClientOptions } from '../client/session.js';
import type { BaseProxy } from '../proxies/base.js';
import { originOf } from '../manager/channelOrigins.js';

const log = createDebug('mpmanagers:process');

export interface ProxyCredentials {
  address: Address;
  authkey: Uint8Array;
  tls?: ClientOptions['tls'];
}

/** One entry per server address among `proxies` whose manager is known. */
export function credentialsOf(proxies: readonly BaseProxy[]): ProxyCredentials[] {
  const byAddress = new Map<string, ProxyCredentials>();
  for (const proxy of proxies) {
    const address = proxy._token.address;
    const origin = originOf(proxy._session);
    if (address === undefined || origin === undefined) continue;
    const key = addressKey(address);
    if (byAddress.has(key)) continue;
    const credentials: ProxyCredentials = { address, authkey: origin.authkey };
    if (origin.tls !== undefined) credentials.tls = copyableTls(origin.tls);
    byAddress.set(key, credentials);
  }
  return [...byAddress.values()];
}

/** The key credentials are looked up by. */
export function addressKey(address: Address): string {
  return JSON.stringify(address);
}

function copyableTls(tls: NonNullable<ClientOptions['tls']>): ClientOptions['tls'] {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tls)) {
    try {
      copy[name] = structuredClone(value);
    } catch {
      log('TLS option %s cannot be sent to another process: left out', name);
    }
  }
  return copy;
}
