// The floor's server: answers every request frame at once with a reply frame of the same shape
// as mpmanagers' ([1, requestId, 0, value]); a blob request with a raw N-byte reply (floorBlob.ts).
//   node floorServer.js (--tcp | --unix PATH)
import net from 'node:net';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FloorLink } from './floorWire.js';
import { serveCommands } from './commands.js';
import { BLOB_REQUEST_METHOD, blobReply } from './floorBlob.js';

const { values } = parseArgs({ options: { tcp: { type: 'boolean' }, unix: { type: 'string' } } });
const server = net.createServer({ noDelay: true }, (socket) => {
  const link = new FloorLink(socket, (message) => {
    const request = message as [number, number, string, string, unknown[], unknown];
    if (request[3] === BLOB_REQUEST_METHOD) return blobReply(socket, request[4][0] as number);
    link.send([1, request[1], 0, request[4][1] ?? null]);
  });
  socket.on('error', () => socket.destroy());
});
if (values.unix !== undefined) await rm(values.unix, { force: true });
await new Promise<void>((resolve) => {
  if (values.unix !== undefined) server.listen(values.unix, resolve);
  else server.listen(0, '127.0.0.1', resolve);
});
const bound = server.address();
const address = typeof bound === 'string' || bound === null ? values.unix : ['127.0.0.1', bound.port];
serveCommands({}, { address, pid: process.pid });
