// A live web page of a manager server: counters, a calls/s chart, its objects and its clients,
// pushed by server-sent events once a second. Served by Node's `http` from three static files
// (page/): no framework, no build step, nothing fetched from outside the machine. It reads the
// server through `describe` only: in-process (`server`) or over a client connection (`manager`),
// and polls only while a page is open.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import createDebug from 'debug';
import { ValueError } from '../errors.js';
import type { BaseManager } from '../manager/baseManager.js';
import type { Server } from '../server/server.js';
import type { DescribeOptions, ServerDescription } from '../server/description.js';
import { Access, isLoopback, newToken } from './access.js';

const log = createDebug('mpmanagers:dashboard');

export interface DashboardOptions {
  /** The manager server to show: the Server object itself (in-process), or ... */
  server?: Pick<Server, 'describe'>;
  /** ... a connected client manager (any running server). Exactly one of the two. */
  manager?: Pick<BaseManager, '_describe'>;
  /** TCP port of the page; 0 picks a free one. */
  port: number;
  /** Interface to listen on. Default '127.0.0.1'. Anything but loopback requires a token. */
  host?: string;
  /**
   * Required in the URL (`?token=`) when given. Default: none on loopback; a random one otherwise
   * (read it from `url`).
   */
  token?: string;
  /** Seconds between updates. Default 1. */
  interval?: number;
  /** Most objects sent to the page per update. Default 1000 (the page shows how many there are). */
  maxObjects?: number;
}

export interface Dashboard {
  /** The page's URL, token included. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts serving the dashboard; resolves once it listens. Throws ValueError on bad options. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  if ((options.server === undefined) === (options.manager === undefined)) throw new ValueError('startDashboard: give exactly one of server and manager');
  const host = options.host ?? '127.0.0.1';
  const interval = options.interval ?? 1;
  if (!(interval > 0)) throw new ValueError(`interval must be > 0 seconds, not ${interval}`);
  const token = options.token ?? (isLoopback(host) ? undefined : newToken());
  const describeOptions: DescribeOptions = { objectsLimit: options.maxObjects ?? 1000 };
  const describe: () => Promise<ServerDescription> =
    options.server !== undefined
      ? ((server) => () => Promise.resolve(server.describe(describeOptions)))(options.server)
      : ((manager) => () => manager._describe(describeOptions))(options.manager!);
  const page = await loadPage();
  const feed = new Feed(describe, interval);
  const access = new Access(token);

  const httpServer = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(response, 405, 'text/plain', 'method not allowed\n');
    if (!access.allows(request, url)) return respond(response, 403, 'text/plain', 'forbidden: wrong or missing token, or not a local Host\n');
    switch (url.pathname) {
      case '/':
        return respond(response, 200, 'text/html; charset=utf-8', page.html);
      case '/app.js':
        return respond(response, 200, 'text/javascript; charset=utf-8', page.script);
      case '/style.css':
        return respond(response, 200, 'text/css; charset=utf-8', page.style);
      case '/events':
        return feed.add(response);
      default:
        return respond(response, 404, 'text/plain', 'not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
  log('dashboard on %s', url.replace(/token=[^&]+/, 'token=…'));
  return {
    url,
    port,
    async close() {
      feed.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** Headers of every answer: the page runs only its own script and style, and leaks no token. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function respond(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

/**
 * The event stream: one describe per interval while at least one page listens, the same JSON sent
 * to all. A failed describe (the server went away) is sent as a `failure` event; polling goes on.
 */
class Feed {
  private readonly listeners = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly describe: () => Promise<ServerDescription>,
    private readonly interval: number,
  ) {}

  add(response: http.ServerResponse): void {
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    response.write('retry: 1000\n\n');
    this.listeners.add(response);
    response.on('close', () => {
      this.listeners.delete(response);
      if (this.listeners.size === 0) this.stop();
    });
    if (this.timer === undefined) {
      void this.poll();
      this.timer = setInterval(() => void this.poll(), this.interval * 1000);
    }
  }

  close(): void {
    this.stop();
    for (const response of this.listeners) response.end();
    this.listeners.clear();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // the previous describe has not answered yet: skip a beat
    this.polling = true;
    let event: string;
    try {
      event = `event: describe\ndata: ${JSON.stringify(await this.describe())}\n\n`;
    } catch (error) {
      log('describe failed: %O', error);
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      event = `event: failure\ndata: ${JSON.stringify({ message })}\n\n`;
    } finally {
      this.polling = false;
    }
    for (const response of this.listeners) response.write(event);
  }
}

interface Page {
  html: string;
  script: string;
  style: string;
}

async function loadPage(): Promise<Page> {
  const read = (name: string): Promise<string> => readFile(new URL(`./page/${name}`, import.meta.url), 'utf8');
  const [html, script, style] = await Promise.all([read('index.html'), read('app.js'), read('style.css')]);
  return { html, script, style };
}
