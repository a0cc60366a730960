// Stock CPython clients (3.11 with legacyAuth, 3.12, 3.13) against our server in pickle mode:
// every SyncManager type through Python's own proxies, proxies in containers passed to a spawned
// Python child, a BaseManager typeid served by a JS callable; refusals that leave the server serving.
import { expect } from 'chai';
import { SyncManager } from '../../lib/index.js';
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
  this.timeout(60_000);

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
