// A benchmark client process (Node): runs the mpmanagers and floor jobs the runner sends it.
//   node client.js       (then JSON commands on stdin: see commands.ts)
import { serveCommands } from './commands.js';
import { floorJobs } from './floorJobs.js';
import { IdleClients, mpJobs } from './mpJobs.js';
import { dashboardJobs } from './dashboardJobs.js';

const idle = new IdleClients();

serveCommands(
  {
    ...mpJobs,
    ...floorJobs,
    ...dashboardJobs,
    idle_open: (p) => idle.open(p),
    idle_close: () => idle.close(),
  },
  { pid: process.pid },
);
