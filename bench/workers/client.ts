// A benchmark client process (Node): runs the mpmanagers, floor and Redis jobs the runner sends it.
//   node client.js       (then JSON commands on stdin: see commands.ts)
import { serveCommands } from './commands.js';
import { floorJobs } from './floorJobs.js';
import { IdleClients, mpJobs } from './mpJobs.js';
import { dashboardJobs } from './dashboardJobs.js';
import { redisJobs } from './redisJobs.js';

const idle = new IdleClients();

serveCommands(
  {
    ...mpJobs,
    ...floorJobs,
    ...dashboardJobs,
    ...redisJobs,
    idle_open: (p) => idle.open(p),
    idle_close: () => idle.close(),
  },
  { pid: process.pid },
);
