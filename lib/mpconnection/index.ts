// multiprocessing.connection as public API: Pipe, Listener, Client and their Connection. Built on
// the connection room (framing, handshake, sockets), which knows nothing of what frames carry; this
// room adds the msgpack payloads and the in-memory pipe.
export { Connection, type ConnectionEnds } from './connection.js';
export { Listener, Client, type ListenerOptions, type ClientOptions } from './listener.js';
export { Pipe } from './pipe.js';
export { wait } from './wait.js';
