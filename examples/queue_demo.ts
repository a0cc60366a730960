// `npm run demo:queue`: the distributed producer/consumer trio as three separate Node processes.
// Starts examples/queue_server.ts on a free port, then a consumer and a producer against it, shows
// their output, checks that each of the 20 results arrived exactly once (and is twice its task),
// and stops the server with a remote shutdown().
//   node --import tsx examples/queue_demo.ts
import { TrioManager, TRIO_AUTHKEY } from './queue_common.js';
import { ResultTally, addressOf, exitCodeOf, runPart, startQueueServer } from './trio_launch.js';

const env = { ...process.env, TRIO_AUTHKEY };
const { address, exited } = await startQueueServer(env);
const tally = new ResultTally();
const consumer = runPart('consumer', './queue_consumer.ts', [address], env, tally.onLine);
const producer = runPart('producer', './queue_producer.ts', [address], env);
const [producerCode, consumerCode] = await Promise.all([exitCodeOf(producer), exitCodeOf(consumer)]);
const ok = tally.verdict(producerCode, consumerCode);

const admin = new TrioManager({ address: addressOf(address), authkey: TRIO_AUTHKEY });
await admin.connect();
await admin.shutdown();
console.log(`server exited with code ${await exited}`);
process.exitCode = ok ? 0 : 1;
