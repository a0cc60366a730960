// Stock CPython clients (3.11 with legacyAuth, 3.12, 3.13) against our server in pickle mode:
// every SyncManager type through Python's own proxies, proxies in containers passed to a spawned
// Python child, a BaseManager typeid served by a JS callable; refusals that leave the server serving.
import { expect } from 'chai';
import { format } from 'node:util';
import createDebug from 'debug';
import { SyncManager, ValueError } from '../../lib/index.js';
import type { Server } from '../../lib/server/server.js';
import { runPythonScript, type PythonVersion } from './pythonRun.js';

class TestManager extends SyncManager {}
const sharedList: unknown[] = ['from js'];
TestManager.register('get_list', { callable: () => sharedList });

async function pickleServer(options: { legacyAuth?: boolean } = {}): Promise<{ server: Server; port: number }> {
  const server = new TestManager({ address: ['127.0.0.1', 0], authkey: 'secret', serializer: 'pickle', ...options }).getServer();
  const address = await server.listen();
  return { server, port: (address as [string, number])[1] };
}

describe('pickle server: stock CPython clients', function () {
  this.timeout(180_000);

  for (const version of ['3.12', '3.13', '3.11'] as PythonVersion[]) {
    it(`CPython ${version}: every SyncManager type, nested proxies in a spawned child, a JS callable`, async () => {
      const { server, port } = await pickleServer({ legacyAuth: version === '3.11' });
      try {
        const run = await runPythonScript(version, 'sync_client.py', [String(port), 'secret']);
        expect(run.stderr, run.stdout).to.equal('');
        expect(run.code).to.equal(0);
        expect(run.stdout).to.contain('done');
        expect(sharedList).to.include('from python');
        // Every proxy was dropped: Python's decrefs freed every object.
        expect(server.table.numberOfObjects()).to.equal(0);
      } finally {
        await server.close();
      }
    });
  }
});

describe('pickle server: refusals', function () {
  this.timeout(30_000);

  it('strictReferences cannot be combined with pickle mode: a ValueError at once, not a promise it cannot keep', () => {
    const make = (): Server => new TestManager({ authkey: 'secret', serializer: 'pickle', strictReferences: true }).getServer();
    expect(make).to.throw(ValueError, /strictReferences cannot apply to serializer 'pickle'/);
  });

  it('a wrong key, a forbidden global, a truncated pickle: each a clear error, and the server keeps serving', async () => {
    const { server, port } = await pickleServer();
    try {
      const run = await runPythonScript('3.12', 'refusals.py', [String(port), 'secret']);
      expect(run.stderr, run.stdout).to.equal('');
      expect(run.stdout).to.match(/ok wrong key: digest sent was rejected/);
      expect(run.stdout).to.match(/ok forbidden global: ProtocolError: pickle names a global that is not allowed: posix.system/);
      expect(run.stdout).to.match(/ok truncated pickle: ProtocolError: pickle: truncated input/);
      expect(run.stdout).to.contain('ok still serving');
    } finally {
      await server.close();
    }
  });

  it('a CPython 3.11 client is refused without legacyAuth, with a log line that says why', async () => {
    const { server, port } = await pickleServer();
    const lines: string[] = [];
    const previous = createDebug.disable();
    const log = createDebug.log;
    createDebug.enable('mpmanagers:server');
    createDebug.log = (...args: unknown[]) => lines.push(format(...args));
    try {
      const run = await runPythonScript('3.11', 'connect_only.py', [String(port), 'secret']);
      expect(run.stdout).to.contain('AuthenticationError');
      expect(lines.join('\n'), lines.join('\n')).to.match(/authentication failed: the peer answered with legacy HMAC-MD5 .*legacyAuth/);
    } finally {
      createDebug.log = log;
      createDebug.disable();
      if (previous) createDebug.enable(previous);
      await server.close();
    }
  });
});
