import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { BaseManager, SyncManager } from '../../lib/index.js';
import { formatAddress } from '../../lib/connection/address.js';
import { startDashboard, type Dashboard } from '../../lib/dashboard/dashboard.js';
import { serve, type Served } from '../helpers/servers.js';

// The page-side callbacks below run in the browser; the test program has no DOM types.
declare const document: any;
declare const window: any;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';

class Hostile extends SyncManager {}
Hostile.register(HOSTILE, { callable: () => ({}) });

/** The text of the objects table's state cell for object `id` (empty until it is shown). */
function stateOf(page: Page, id: string): Promise<string> {
  return page.evaluate((objectId) => {
    for (const row of document.querySelectorAll('#objects tbody tr')) {
      if (row.children[0]?.textContent === objectId) return row.children[6]?.textContent ?? '';
    }
    return '';
  }, id);
}

describe('dashboard', function () {
  this.timeout(60_000);
  let served: Served<Hostile>;
  let client: Hostile;
  let dashboard: Dashboard | undefined;

  beforeEach(async function () {
    served = await serve(Hostile);
    client = await served.client();
  });
  afterEach(async function () {
    await dashboard?.close();
    dashboard = undefined;
    await served.close();
  });

  describe('in headless Chromium', function () {
    let profile: string;
    let context: BrowserContext;

    beforeEach(async function () {
      profile = await mkdtemp(path.join(os.tmpdir(), 'mpm-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1200, height: 900 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });
    afterEach(async function () {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    });

    it('shows a queue’s new depth within 2 s, and hostile names as text', async function () {
      dashboard = await startDashboard({ server: served.server, port: 0 });
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(dashboard.url);
      await page.waitForFunction(() => document.querySelector('#connections')?.textContent === '1', undefined, { timeout: 5000 });

      const q = await client.Queue<number>(10);
      await client.Lock().then((lock) => lock.acquire());
      await q.put(1);
      await q.put(2);
      await q.put(3);
      const shown = Date.now();
      await page.waitForFunction(
        (id) => [...document.querySelectorAll('#objects tbody tr')].some((r) => r.children[0]?.textContent === id && r.children[6]?.textContent === 'size 3/10, 3 unfinished'),
        q._token.id,
        { timeout: 2000 },
      );
      expect(Date.now() - shown).to.be.below(2000);
      await q.put(4);
      await page.waitForFunction(
        (id) => [...document.querySelectorAll('#objects tbody tr')].some((r) => r.children[0]?.textContent === id && r.children[6]?.textContent?.startsWith('size 4/10')),
        q._token.id,
        { timeout: 2000 },
      );
      expect(await stateOf(page, q._token.id)).to.equal('size 4/10, 4 unfinished');

      const hostile = await client._create(HOSTILE);
      await page.waitForFunction(
        (name) => [...document.querySelectorAll('#objects tbody td')].some((td) => td.textContent === name),
        HOSTILE,
        { timeout: 2000 },
      );
      expect(await page.evaluate(() => window.pwned)).to.equal(undefined);
      expect(await page.evaluate(() => document.querySelectorAll('#objects script, #objects img').length)).to.equal(0);
      expect(await page.evaluate(() => document.scripts.length)).to.equal(1);
      expect(hostile._token.typeid).to.equal(HOSTILE);
      // Nothing is fetched from anywhere but the dashboard itself (no CDN).
      const origin = new URL(dashboard.url).origin;
      expect(requests.filter((url) => !url.startsWith(origin))).to.deep.equal([]);

      const screenshot = process.env.MPMANAGERS_DASHBOARD_SCREENSHOT;
      if (screenshot !== undefined) await page.screenshot({ path: path.resolve(root, screenshot), fullPage: true });
    });
  });

  it('on loopback refuses a request whose Host is not local (DNS rebinding)', async function () {
    dashboard = await startDashboard({ server: served.server, port: 0 });
    expect(await status(dashboard.port, '/', 'localhost')).to.equal(200);
    expect(await status(dashboard.port, '/', `127.0.0.1:${dashboard.port}`)).to.equal(200);
    expect(await status(dashboard.port, '/events', `evil.example:${dashboard.port}`)).to.equal(403);
  });

  it('off loopback requires the token in the URL', async function () {
    dashboard = await startDashboard({ server: served.server, port: 0, host: '0.0.0.0' });
    const token = new URL(dashboard.url).searchParams.get('token');
    expect(token).to.have.length.greaterThan(30);
    expect(await status(dashboard.port, '/')).to.equal(403);
    expect(await status(dashboard.port, '/?token=wrong')).to.equal(403);
    expect(await status(dashboard.port, `/?token=${token}`)).to.equal(200);
    expect(await status(dashboard.port, `/app.js?token=${token}`)).to.equal(200);
  });

  it('over a client connection: reports a lost server, and recovers when it is back', async function () {
    const watcher = new BaseManager({ address: served.address, authkey: served.authkey, reconnect: { maxAttempts: 1 } });
    await watcher.connect();
    dashboard = await startDashboard({ manager: watcher, port: 0, interval: 0.2 });
    const events = await eventStream(`${dashboard.url}events`);
    try {
      await events.next((e) => e.event === 'describe');
      const address = served.address;
      await served.close();
      const failure = await events.next((e) => e.event === 'failure');
      expect(JSON.parse(failure.data)).to.have.property('message').that.matches(/ConnectionClosedError/);
      served = await serve(Hostile, { address });
      await served.client().then((c) => c.list([1]));
      const back = await events.next((e) => e.event === 'describe' && (JSON.parse(e.data) as { objectsTotal: number }).objectsTotal === 1);
      expect(back.event).to.equal('describe');
    } finally {
      events.close();
      await watcher.close();
    }
  });

  it('mpmanagers dashboard serves any running server over a client connection', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mpm-dashboard-'));
    const keyFile = path.join(dir, 'key');
    await writeFile(keyFile, Buffer.from(served.authkey).toString('hex'), { mode: 0o600 });
    const launcher = path.join(root, 'test/observe/runCommand.ts');
    const command = path.join(root, 'lib/cli/commands/dashboard.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', launcher, command, '--address', formatAddress(served.address), '--authkey-file', keyFile, '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await firstLine(child);
      expect(url).to.match(/^dashboard on http:\/\/127\.0\.0\.1:\d+\/$/);
      await client.list([1, 2, 3]);
      const event = await firstEvent(`${url.slice('dashboard on '.length)}events`);
      expect(event.event).to.equal('describe');
      const description = JSON.parse(event.data) as { version: number; objects: { typeid: string }[] };
      expect(description.version).to.equal(1);
      expect(description.objects.map((o) => o.typeid)).to.include('list');
      child.kill('SIGINT');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).to.equal(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The status of GET `pathname` on the dashboard (at 127.0.0.1), with a chosen Host header. */
function status(port: number, pathname: string, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: pathname, headers: host === undefined ? {} : { host } }, (response) => {
      response.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`the dashboard command exited (${code}) before printing its URL`)));
  });
}

interface SseEvent {
  event: string;
  data: string;
}

/** The dashboard's event stream, read as it comes: next(match) waits for the next matching event. */
async function eventStream(url: string): Promise<{ next(match: (e: SseEvent) => boolean): Promise<SseEvent>; close(): void }> {
  const queue: SseEvent[] = [];
  let wake: (() => void) | undefined;
  const request = http.get(url);
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  let text = '';
  response.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (let match = /event: (\w+)\ndata: (.*)\n\n/.exec(text); match !== null; match = /event: (\w+)\ndata: (.*)\n\n/.exec(text)) {
      queue.push({ event: match[1], data: match[2] });
      text = text.slice(match.index + match[0].length);
    }
    wake?.();
  });
  response.on('error', () => {}); // ended by close()
  return {
    async next(match) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        while (queue.length > 0) {
          const event = queue.shift()!;
          if (match(event)) return event;
        }
        if (Date.now() > deadline) throw new Error('no matching event within 10 s');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
      }
    },
    close: () => request.destroy(),
  };
}

/** Reads the event stream until its first named event. */
function firstEvent(url: string): Promise<{ event: string; data: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /event: (\w+)\ndata: (.*)\n\n/.exec(text);
        if (match !== null) {
          response.destroy();
          resolve({ event: match[1], data: match[2] });
        }
      });
    });
    request.on('error', reject);
  });
}
