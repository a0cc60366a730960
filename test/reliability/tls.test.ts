// Optional TLS on both sides, with certificates generated at test time: server authentication,
// mutual TLS with client certificates, the HMAC handshake still required inside TLS, and what an
// eavesdropper on the wire sees with and without TLS.
import net from 'node:net';
import { expect } from 'chai';
import createDebug from 'debug';
import { SyncManager, AuthenticationError, ConnectionClosedError, type ManagerOptions } from '../../lib/index.js';
import type { Address } from '../../lib/connection/address.js';
import { serve, type Served } from '../helpers/servers.js';
import { makeCertificates, type Certificates } from './certs.js';
import { rejectionOf } from './helpers.js';

const log = createDebug('mpmanagers:reliability');
const SECRET = 'a-secret-value-on-the-wire';

describe('reliability: TLS', function () {
  this.timeout(30_000);
  let certs: Certificates;
  let served: Served<SyncManager>;
  const taps: WireTap[] = [];

  before(async () => {
    certs = await makeCertificates();
  });
  after(() => certs.remove());
  afterEach(async () => {
    for (const tap of taps.splice(0)) await tap.close();
    await served.close();
  });

  /** A client of `served` through a recording proxy; resolves once connected. */
  async function tappedClient(options: ManagerOptions): Promise<{ manager: SyncManager; tap: WireTap }> {
    const tap = await WireTap.between(served.address);
    taps.push(tap);
    return { manager: await served.client({ address: tap.address, ...options }), tap };
  }

  it('without TLS the authkey authenticates but does not hide anything: values are readable on the wire', async () => {
    served = await serve(SyncManager);
    const { manager, tap } = await tappedClient({});
    await (await manager.list()).append(SECRET);
    expect(tap.recorded().includes(SECRET)).to.equal(true);
  });

  it('with TLS, calls work and nothing readable crosses the wire', async () => {
    served = await serve(SyncManager, { serverTls: certs.server });
    const { manager, tap } = await tappedClient({ tls: { ca: certs.ca } });
    const list = await manager.list();
    await list.append(SECRET);
    expect(await list._getValue()).to.deep.equal([SECRET]);
    expect(tap.recorded().includes(SECRET)).to.equal(false);
    expect(tap.recorded().includes('#CHALLENGE#')).to.equal(false);
  });

  it('the HMAC handshake still runs inside TLS: a wrong authkey is refused with AuthenticationError', async () => {
    served = await serve(SyncManager, { serverTls: certs.server });
    const error = await rejectionOf(served.client({ authkey: 'wrong-key', tls: { ca: certs.ca } }));
    expect(error).to.be.instanceOf(AuthenticationError);
  });

  it('a client refuses a server whose certificate it cannot verify', async () => {
    served = await serve(SyncManager, { serverTls: certs.server });
    const error = await rejectionOf(served.client({ tls: {} })); // the system CAs do not know ours
    expect(error).to.be.instanceOf(ConnectionClosedError);
    expect(error.message).to.match(/certificate/);
  });

  it('a plain client cannot talk to a TLS server (and the server keeps serving)', async () => {
    served = await serve(SyncManager, { serverTls: certs.server, handshakeTimeout: 0.5 });
    expect(await rejectionOf(served.client({ handshakeTimeout: 0.5 }))).to.be.instanceOf(ConnectionClosedError);
    const ok = await served.client({ tls: { ca: certs.ca } });
    expect(await (await ok.list([1]))._getValue()).to.deep.equal([1]);
  });

  describe('mutual TLS', () => {
    beforeEach(async () => {
      served = await serve(SyncManager, {
        serverTls: { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
      });
    });

    it('accepts a client certificate signed by the trusted CA', async () => {
      const manager = await served.client({ tls: { ca: certs.ca, ...certs.client } });
      expect(await (await manager.dict({ a: 1 }))._getValue()).to.deep.equal(new Map([['a', 1]]));
    });

    it('refuses a client without a certificate, and one with a certificate of another CA', async () => {
      for (const identity of [{}, certs.rogueClient]) {
        const error = await rejectionOf(served.client({ tls: { ca: certs.ca, ...identity }, handshakeTimeout: 2 }));
        expect(error).to.be.instanceOf(ConnectionClosedError);
      }
      expect(served.server.connectionCount).to.equal(0);
      await served.client({ tls: { ca: certs.ca, ...certs.client } });
      expect(served.server.connectionCount).to.equal(1);
    });
  });
});

/** A TCP proxy in front of a server that records every byte crossing it, both ways. */
class WireTap {
  private readonly chunks: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly address: Address,
  ) {}

  static async between(target: Address): Promise<WireTap> {
    const [host, port] = target as readonly [string, number];
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tap = new WireTap(server, ['127.0.0.1', (server.address() as net.AddressInfo).port]);
    server.on('connection', (client) => {
      const upstream = net.connect(port, host);
      for (const socket of [client, upstream]) {
        tap.sockets.add(socket);
        socket.on('error', (error) => {
          log('wire tap: %s', error.message); // the test's own assertions say what went wrong
          socket.destroy();
        });
        socket.on('close', () => tap.sockets.delete(socket));
      }
      client.on('data', (chunk: Buffer) => tap.chunks.push(chunk));
      upstream.on('data', (chunk: Buffer) => tap.chunks.push(chunk));
      client.pipe(upstream).pipe(client);
    });
    return tap;
  }

  recorded(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
