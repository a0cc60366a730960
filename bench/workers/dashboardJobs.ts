// The dashboard row's side process (bench/rows/dashboard.ts): holds the server's objects, and runs
// a dashboard (as `mpmanagers dashboard` does) with one page open on its event stream, so that the
// server is described once a second while the row's other client measures.
import http from 'node:http';
import { startDashboard, type Dashboard } from '../../lib/dashboard/dashboard.js';
import { BenchManager } from './benchManager.js';
import type { JobParams } from './mpJobs.js';

let holder: BenchManager | undefined;
let running: { manager: BenchManager; dashboard: Dashboard; page: http.ClientRequest; events: number } | undefined;

export const dashboardJobs = {
  /** Creates `count` shared lists on the server and holds them until release_objects. */
  async hold_objects(p: JobParams & { count: number }): Promise<{ held: number }> {
    holder ??= new BenchManager({ address: p.address, authkey: p.authkey });
    await holder.connect();
    const batch = 1000;
    const held: unknown[] = [];
    for (let made = 0; made < p.count; made += batch) {
      held.push(...(await Promise.all(Array.from({ length: Math.min(batch, p.count - made) }, () => holder!.list()))));
    }
    return { held: held.length };
  },

  async release_objects(): Promise<null> {
    await holder?.close();
    holder = undefined;
    return null;
  },

  /** A dashboard over its own connection, describing up to `maxObjects` objects every `interval` s, with a page open. */
  async dashboard_start(p: JobParams & { interval: number; maxObjects: number }): Promise<null> {
    const manager = new BenchManager({ address: p.address, authkey: p.authkey });
    await manager.connect();
    const dashboard = await startDashboard({ manager, port: 0, interval: p.interval, maxObjects: p.maxObjects });
    const state = { manager, dashboard, page: undefined as unknown as http.ClientRequest, events: 0 };
    await new Promise<void>((resolve, reject) => {
      state.page = http.get(`${dashboard.url}events`, (response) => {
        response.on('data', (chunk: Buffer) => {
          const text = chunk.toString();
          for (let at = text.indexOf('event: describe'); at !== -1; at = text.indexOf('event: describe', at + 1)) state.events++;
          resolve();
        });
        response.on('error', () => {}); // ended by dashboard_stop
      });
      state.page.on('error', reject);
    });
    running = state;
    return null;
  },

  /** Stops the dashboard; resolves to the updates the open page received. */
  async dashboard_stop(): Promise<{ events: number }> {
    const state = running;
    running = undefined;
    if (state === undefined) return { events: 0 };
    state.page.destroy();
    await state.dashboard.close();
    await state.manager.close();
    return { events: state.events };
  },
};
