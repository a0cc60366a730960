// The connection room: framing, the handshake, and authenticated sockets. Knows nothing of messages.
export * from './address.js';
export * from './framing.js';
export * from './handshake.js';
export {
  DEFAULT_BACKLOG,
  DEFAULT_HANDSHAKE_TIMEOUT,
  type ConnectionOptions,
  type ConnectOptions,
  type ListenOptions,
} from './options.js';
export { Connection } from './connection.js';
export { Listener } from './listener.js';
