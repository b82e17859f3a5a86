#!/usr/bin/env node
// Must stay the first import: it sets APOLLO_TELEMETRY_DISABLED before any Apollo module is evaluated.
import './config/disable-apollo-telemetry.js';
import { main } from './cli/main.js';
import { releaseWorkerChannel } from './cli/supervise-workers.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
// In a `serve --workers` worker the IPC channel to the primary would keep this process alive.
releaseWorkerChannel();
