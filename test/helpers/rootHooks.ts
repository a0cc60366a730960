// Mocha root hooks (loaded through .mocharc.json's `require`): once every test has run, whatever a
// failed test left open through the helpers is closed, so a failure is reported instead of the run
// hanging on a listening server. (After all tests, not each: many suites share a server across tests.)
import { closeLeftoverServers } from './servers.js';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await closeLeftoverServers();
  },
};
