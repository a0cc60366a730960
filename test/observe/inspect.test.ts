import { expect } from 'chai';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SyncManager, type ServerDescription } from '../../lib/index.js';
import { formatAddress } from '../../lib/connection/address.js';
import { serve, eventually, sleep, type Served } from '../helpers/servers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const launcher = path.join(root, 'test/observe/runCommand.ts');
const inspect = path.join(root, 'lib/cli/commands/inspect.ts');
const KEY_HEX = '0123456789abcdef';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mpmanagers inspect args` in a child process (the authkey in its environment). */
function runInspect(args: string[], env: Record<string, string> = { MPMANAGERS_AUTHKEY: KEY_HEX }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', launcher, inspect, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('mpmanagers inspect', function () {
  this.timeout(60_000);
  let served: Served<SyncManager>;
  let client: SyncManager;
  let where: string;

  beforeEach(async function () {
    served = await serve(SyncManager, { authkey: Buffer.from(KEY_HEX, 'hex') });
    client = await served.client();
    where = formatAddress(served.address);
  });
  afterEach(async function () {
    await served.close();
  });

  it('prints the server, its objects and its clients as tables', async function () {
    const q = await client.Queue<number>(5);
    await q.put(1);
    await q.put(2);
    const lock = await client.Lock();
    await lock.acquire();
    const run = await runInspect(['--address', where]);
    expect(run.stderr).to.equal('');
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`^server ${where.replace(/\./g, '\\.')}  pid ${process.pid}`));
    // Object ids are opaque (not necessarily 1, 2, ...): the rows are found by the proxies' ids.
    expect(run.stdout).to.match(new RegExp(`\\n${q._token.id} +Queue +Queue +1 +#1 +#1 +\\d+s +size 2/5, 2 unfinished\\n`));
    expect(run.stdout).to.match(new RegExp(`\\n${lock._token.id} +Lock +Lock .* held by #1\\n`));
    expect(run.stdout).to.match(/\nCLIENT +PEER +CONNECTED/);
    expect(run.stdout).to.match(/\n#1 +127\.0\.0\.1:\d+ /);
    expect(run.stdout).to.match(/\n#2 +127\.0\.0\.1:\d+ /); // inspect's own connection
  });

  it('--json gives the description; --queues keeps only the queues', async function () {
    await client.Queue<number>();
    await client.list([1, 2, 3]);
    const run = await runInspect(['--address', where, '--json', '--queues']);
    expect(run.code).to.equal(0);
    const d = JSON.parse(run.stdout) as ServerDescription;
    expect(d.version).to.equal(1);
    expect(d.objects.map((o) => o.typeid)).to.deep.equal(['Queue']);
    expect(d.clients).to.deep.equal([]);
    const clients = await runInspect(['--address', where, '--clients']);
    expect(clients.stdout).to.match(/^CLIENT +PEER/);
    expect(clients.stdout).to.not.match(/TYPEID/);
  });

  it('prints a typeid with terminal escapes harmlessly', async function () {
    class Evil extends SyncManager {}
    Evil.register('\x1b[31mred\x1b]0;title\x07', { callable: () => ({}) });
    await served.close();
    served = await serve(Evil, { authkey: Buffer.from(KEY_HEX, 'hex') });
    const evil = await served.client();
    await evil._create('\x1b[31mred\x1b]0;title\x07');
    const run = await runInspect(['--address', formatAddress(served.address), '--objects']);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.include('?[31mred?]0;title?');
    expect(run.stdout).to.not.include('\x1b');
  });

  it('a wrong key: one line, exit 1', async function () {
    const run = await runInspect(['--address', where], { MPMANAGERS_AUTHKEY: 'ffff' });
    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal('mpmanagers inspect: authentication failed (wrong authkey?)\n');
  });

  it('an unreachable server: one line, exit 1', async function () {
    const closed = formatAddress(served.address);
    await served.close();
    const run = await runInspect(['--address', closed]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal('mpmanagers inspect: connection refused (is the server running?)\n');
  });

  it('a bad command line or no key: one line, exit 2', async function () {
    const noAddress = await runInspect([]);
    expect(noAddress.code).to.equal(2);
    expect(noAddress.stderr).to.equal('mpmanagers inspect: --address host:port or --socket path is required\n');
    const noKey = await runInspect(['--address', where], { MPMANAGERS_AUTHKEY: '' });
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr.trim().split('\n')).to.have.length(1);
    const twoViews = await runInspect(['--address', where, '--queues', '--clients']);
    expect(twoViews.code).to.equal(2);
  });

  it('--watch --json off a terminal: one description per line until SIGINT, then exit 0', async function () {
    const q = await client.Queue<number>();
    const child = spawn(process.execPath, ['--import', 'tsx', launcher, inspect, '--address', where, '--watch', '0.2', '--json'], {
      cwd: root,
      env: { ...process.env, MPMANAGERS_AUTHKEY: KEY_HEX },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines: string[] = [];
      let partial = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop()!;
        lines.push(...parts);
      });
      await eventually(() => lines.length >= 1, 30);
      await q.put(1);
      await eventually(() => lines.some((l) => (JSON.parse(l) as ServerDescription).objects.some((o) => o.details?.type === 'queue' && o.details.size === 1)), 10);
      for (const line of lines) expect((JSON.parse(line) as ServerDescription).version).to.equal(1);
      child.kill('SIGINT');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).to.equal(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  describe('--watch in a terminal (tmux)', function () {
    const socketName = `mpm-inspect-${process.pid}`;
    let dir: string;

    before(function () {
      try {
        execFileSync('tmux', ['-V']);
      } catch {
        throw new Error('tmux is needed for this test (apt-get install -y tmux)');
      }
    });
    beforeEach(async function () {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mpm-inspect-'));
    });
    afterEach(async function () {
      try {
        execFileSync('tmux', ['-L', socketName, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // no tmux server left: nothing to clean
      }
      await rm(dir, { recursive: true, force: true });
    });

    function pane(): string {
      // -S -: the scrollback too, so a frame that scrolled instead of being redrawn would show.
      return execFileSync('tmux', ['-L', socketName, 'capture-pane', '-p', '-S', '-', '-t', 'inspect'], { encoding: 'utf8' });
    }

    it('redraws the tables in place and exits 0 on Ctrl-C', async function () {
      const q = await client.Queue<number>(10);
      await q.put(1);
      await q.put(2);
      const keyFile = path.join(dir, 'key');
      await writeFile(keyFile, KEY_HEX, { mode: 0o600 });
      const command = [process.execPath, '--import', 'tsx', launcher, inspect, '--address', where, '--authkey-file', keyFile, '--watch', '0.2']
        .map((word) => `'${word}'`)
        .join(' ');
      execFileSync('tmux', ['-L', socketName, 'new-session', '-d', '-s', 'inspect', '-x', '160', '-y', '40', `cd '${root}' && ${command}; echo EXIT=$?; sleep 60`]);
      await eventually(() => /size 2\/10/.test(pane()), 30);
      await q.put(3);
      await q.put(4);
      await eventually(() => /size 4\/10/.test(pane()), 10);
      await sleep(1); // several more redraws
      const screen = pane();
      expect(screen.match(/^server /gm)).to.have.length(1);
      expect(screen.match(/^CLIENT /gm)).to.have.length(1);
      expect(screen).to.not.match(/size 2\/10/);
      execFileSync('tmux', ['-L', socketName, 'send-keys', '-t', 'inspect', 'C-c']);
      await eventually(() => /EXIT=0/.test(pane()), 10);
    });
  });
});
