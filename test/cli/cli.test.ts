// The `mpmanagers` command end to end: spawned as a process, real sockets, real signals.
import { expect } from 'chai';
import { mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BaseManager, ConnectionClosedError, LimitError, SyncManager, type ListProxy } from '../../lib/index.js';
import { VERSION } from '../../lib/version.js';
import { makeCertificates, type Certificates } from '../reliability/certs.js';
import { rejectionOf } from '../helpers/assertions.js';
import { Serving, runCli, tcpAddress, type CliRun } from './helpers.js';

const KEY = 'ab'.repeat(32);
const authkey = Buffer.from(KEY, 'hex');

/** A usage error: exit 2, one line on stderr, no stack trace, nothing on stdout. */
function expectUsageError(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stderr).to.equal(2);
  expect(run.stdout).to.equal('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).to.have.length(1);
  expect(lines[0]).to.match(pattern);
  expect(run.stderr).not.to.match(/^\s+at /m);
}

describe('the mpmanagers command', function () {
  this.timeout(60_000);
  let dir: string;
  const running: Serving[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mpmanagers-cli-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(args: string[], env: Record<string, string> = { MPMANAGERS_AUTHKEY: KEY }): Promise<Serving> {
    const serving = await Serving.start(args, env);
    running.push(serving);
    return serving;
  }

  describe('help', () => {
    it('every command has --help (exit 0); no command prints the usage and exits 2', async () => {
      const [top, serveHelp, pingHelp, none, unknown] = await Promise.all([
        runCli(['--help']),
        runCli(['serve', '--help']),
        runCli(['ping', '--help']),
        runCli([]),
        runCli(['frobnicate']),
      ]);
      expect(top.code).to.equal(0);
      expect(top.stdout).to.match(/serve/).and.match(/ping/);
      expect(serveHelp.code).to.equal(0);
      expect(serveHelp.stdout).to.match(/^usage: mpmanagers serve/).and.match(/--authkey-file/).and.match(/--tls-cert/);
      expect(pingHelp.code).to.equal(0);
      expect(pingHelp.stdout).to.match(/^usage: mpmanagers ping/);
      expect(none.code).to.equal(2);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.match(/unknown command 'frobnicate'/);
    });
  });

  describe('serve', () => {
    it('prints one line, serves a SyncManager, answers ping with its version, and exits 0 on SIGTERM, failing pending calls', async () => {
      const serving = await serve(['--address', '127.0.0.1:0']);
      expect(serving.address).to.match(/^127\.0\.0\.1:\d+$/);

      const ping = await runCli(['ping', '--address', serving.address], { MPMANAGERS_AUTHKEY: KEY });
      expect(ping.code, ping.stderr).to.equal(0);
      expect(ping.stdout).to.match(new RegExp(`^${serving.address}: mpmanagers ${VERSION.replaceAll('.', '\\.')}, round trip [\\d.]+ ms`));

      const manager = new SyncManager({ address: tcpAddress(serving.address), authkey });
      await manager.connect();
      const queue = await manager.Queue<number>();
      const pending = rejectionOf(queue.get()); // waits on the server until it stops
      await new Promise((resolve) => setTimeout(resolve, 100));
      const run = await serving.stop('SIGTERM');
      expect(await pending).to.be.instanceOf(ConnectionClosedError);
      await manager.close();
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(`serving on ${serving.address}\n`);
    });

    it('--dashboard serves the live page beside the server (URL on stderr) and closes it with the server', async () => {
      const serving = await serve(['--address', '127.0.0.1:0', '--dashboard', '0']);
      const url = /dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(serving.stderr)?.[1];
      expect(url, serving.stderr).to.be.a('string');
      const page = await fetch(url!);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.match(/<html/);
      const run = await serving.stop('SIGTERM');
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(`serving on ${serving.address}\n`);
      const after = await fetch(url!).then(() => 'answered', (error: unknown) => (error as Error).name);
      expect(after).to.equal('TypeError'); // fetch failed: nothing listens there any more
    });

    it('stops gracefully on SIGINT too, on a Unix socket', async () => {
      const socket = path.join(dir, 'serve.sock');
      const serving = await serve(['--socket', socket]);
      expect(serving.address).to.equal(socket);
      const ping = await runCli(['ping', '--socket', socket], { MPMANAGERS_AUTHKEY: KEY });
      expect(ping.code, ping.stderr).to.equal(0);
      const run = await serving.stop('SIGINT');
      expect(run.code).to.equal(0);
    });

    it('with no key given, writes a random one to a file of mode 0600, prints its path, and removes it at exit', async () => {
      const serving = await serve(['--address', '127.0.0.1:0'], {});
      const file = /authkey written to (\S+)/.exec(serving.stderr)?.[1];
      expect(file, serving.stderr).to.be.a('string');
      expect((await stat(file!)).mode & 0o777).to.equal(0o600);
      const key = (await readFile(file!, 'utf8')).trim();
      expect(key).to.match(/^[0-9a-f]{64}$/);
      const ping = await runCli(['ping', '--address', serving.address, '--authkey-file', file!]);
      expect(ping.code, ping.stderr).to.equal(0);
      expect((await serving.stop()).code).to.equal(0);
      expect(await stat(file!).then(() => 'still there', () => 'removed')).to.equal('removed');
    });

    it('reads the key from --authkey-file (hex) and serves a user manager class from --module/--export', async () => {
      const keyFile = path.join(dir, 'key');
      await writeFile(keyFile, `${KEY}\n`, { mode: 0o600 });
      const module = path.join(import.meta.dirname, 'fixtures/listManager.ts');
      const serving = await serve(['--module', module, '--export', 'ListManager', '--authkey-file', keyFile], {});
      class ListClient extends BaseManager {
        declare shared_list: () => Promise<ListProxy<string>>;
      }
      ListClient.register('shared_list');
      const client = new ListClient({ address: tcpAddress(serving.address), authkey });
      await client.connect();
      const list = await client.shared_list();
      expect(await list._getValue()).to.deep.equal(['served by ListManager']);
      await client.close();
    });

    it('serves TLS from --tls-cert/--tls-key and requires client certificates with --require-client-cert', async () => {
      const certs: Certificates = await makeCertificates(); // the openssl CLI makes them
      try {
        const file = async (name: string, content: Buffer): Promise<string> => {
          const at = path.join(dir, name);
          await writeFile(at, content);
          return at;
        };
        const [ca, cert, key, clientCert, clientKey] = await Promise.all([
          file('ca.pem', certs.ca),
          file('server.pem', certs.server.cert),
          file('server.key', certs.server.key),
          file('client.pem', certs.client.cert),
          file('client.key', certs.client.key),
        ]);
        const serving = await serve(['--tls-cert', cert, '--tls-key', key, '--tls-ca', ca, '--require-client-cert']);
        const env = { MPMANAGERS_AUTHKEY: KEY };
        const withCert = await runCli(['ping', '--address', serving.address, '--tls-ca', ca, '--tls-cert', clientCert, '--tls-key', clientKey], env);
        expect(withCert.code, withCert.stderr).to.equal(0);
        const without = await runCli(['ping', '--address', serving.address, '--tls-ca', ca, '--timeout', '3'], env);
        expect(without.code).to.equal(1);
        expect(without.stderr.trimEnd().split('\n')).to.have.length(1);
      } finally {
        await certs.remove();
      }
    });

    it('applies the limit flags: with --max-connections 1 a second client is refused LimitError', async () => {
      const serving = await serve(['--max-connections', '1']);
      const first = new SyncManager({ address: tcpAddress(serving.address), authkey });
      const second = new SyncManager({ address: tcpAddress(serving.address), authkey });
      try {
        await first.connect();
        expect(await rejectionOf(second.connect())).to.be.instanceOf(LimitError);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('usage errors exit 2 with one line: port in use, bad address, missing key file, unreadable certificate, unknown flag', async () => {
      const taken = await serve(['--address', '127.0.0.1:0']);
      const keyFile = path.join(dir, 'key2');
      await writeFile(keyFile, KEY);
      const notPem = path.join(dir, 'not.pem');
      await writeFile(notPem, 'not a certificate\n');
      const env = { MPMANAGERS_AUTHKEY: KEY };
      const [inUse, badAddress, badPort, noKeyFile, noCert, badCert, unknownFlag, argvKey, badLimit, notHex] = await Promise.all([
        runCli(['serve', '--address', taken.address], env),
        runCli(['serve', '--address', 'localhost'], env),
        runCli(['serve', '--address', '127.0.0.1:70000'], env),
        runCli(['serve', '--authkey-file', path.join(dir, 'missing')]),
        runCli(['serve', '--tls-cert', path.join(dir, 'missing.pem'), '--tls-key', keyFile], env),
        runCli(['serve', '--tls-cert', notPem, '--tls-key', notPem], env),
        runCli(['serve', '--frobnicate'], env),
        runCli(['serve', '--authkey', KEY], env),
        runCli(['serve', '--max-connections', 'many'], env),
        runCli(['serve'], { MPMANAGERS_AUTHKEY: 'not hex' }),
      ]);
      expectUsageError(inUse, new RegExp(`${taken.address} is already in use`));
      expectUsageError(badAddress, /bad address 'localhost'/);
      expectUsageError(badPort, /bad address/);
      expectUsageError(noKeyFile, /cannot read the authkey file .*missing: no such file/);
      expectUsageError(noCert, /cannot read --tls-cert .*missing\.pem: no such file/);
      expectUsageError(badCert, /TLS certificate or key is not usable/);
      expectUsageError(unknownFlag, /--frobnicate/);
      expectUsageError(argvKey, /--authkey/);
      expectUsageError(badLimit, /--max-connections must be an integer/);
      expectUsageError(notHex, /MPMANAGERS_AUTHKEY must hold the authkey as hex/);
    });
  });

  describe('ping', () => {
    it('exits 1 with one line on a wrong key, a refused connection, and a server that never answers', async () => {
      const serving = await serve(['--address', '127.0.0.1:0']);
      const silent = net.createServer(() => {}); // accepts and says nothing
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const silentPort = (silent.address() as net.AddressInfo).port;
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const refusedPort = (closed.address() as net.AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      try {
        const [wrongKey, refused, noAnswer, noKey] = await Promise.all([
          runCli(['ping', '--address', serving.address], { MPMANAGERS_AUTHKEY: 'cd'.repeat(32) }),
          runCli(['ping', '--address', `127.0.0.1:${refusedPort}`], { MPMANAGERS_AUTHKEY: KEY }),
          runCli(['ping', '--address', `127.0.0.1:${silentPort}`, '--timeout', '1'], { MPMANAGERS_AUTHKEY: KEY }),
          runCli(['ping', '--address', serving.address]),
        ]);
        for (const [run, pattern] of [
          [wrongKey, /authentication failed/],
          [refused, /connection refused/],
          [noAnswer, /no answer within 1 s|timed out/i],
        ] as const) {
          expect(run.code, run.stderr).to.equal(1);
          expect(run.stdout).to.equal('');
          expect(run.stderr.trimEnd().split('\n'), run.stderr).to.have.length(1);
          expect(run.stderr).to.match(pattern);
        }
        expectUsageError(noKey, /no authkey/);
      } finally {
        silent.close();
      }
    });
  });
});
