// The thread a publish check runs in (check-off-thread.ts): composition and the API schema of a large
// candidate take seconds of CPU, which the server thread must not spend. Must stay the first import.
import '../config/disable-apollo-telemetry.js';
import { parentPort, workerData } from 'node:worker_threads';
import { checkSubgraph } from './check-subgraph.js';
import type { CheckWorkerInput } from './check-off-thread.js';
import { buildSchemaChecks } from './schema-checks.js';

const input = workerData as CheckWorkerInput;
const checks = await buildSchemaChecks(input.settings, { configDir: input.configDir });
parentPort!.postMessage(await checkSubgraph({ ...input.request, checks }));
