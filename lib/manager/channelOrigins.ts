// How each manager connection was opened, so that a proxy passed to another process or thread can
// be reconnected there as its sender's was: the authkey and TLS client options of its manager, and
// the module that exports the manager class (which defines its custom proxy classes), when named.
// Kept beside the channel rather than on it: the authkey is nobody else's business.
import type { Channel } from '../client/channel.js';
import type { ClientOptions } from '../client/session.js';

/** A manager class named as `start({ module, export })` names it: a file URL and an export name. */
export interface ManagerClassName {
  module: string;
  export: string;
}

export interface ChannelOrigin {
  authkey: Uint8Array;
  tls?: ClientOptions['tls'];
  managerClass?: ManagerClassName;
}

const origins = new WeakMap<Channel, ChannelOrigin>();

export function recordOrigin(channel: Channel, origin: ChannelOrigin): void {
  origins.set(channel, origin);
}

/** How `channel` was opened; undefined for a channel no manager opened. */
export function originOf(channel: Channel): ChannelOrigin | undefined {
  return origins.get(channel);
}
