#!/usr/bin/env node
// Must stay the first import: it sets APOLLO_TELEMETRY_DISABLED before any Apollo module is evaluated.
import './config/disable-apollo-telemetry.js';
import { enableCompileCache } from './cli/compile-cache.js';

// Before the rest is loaded, which is why the rest comes through import(): the modules of static imports
// are compiled before this line runs (compile-cache.ts).
enableCompileCache();
const { main } = await import('./cli/main.js');
const { releaseWorkerChannel } = await import('./cli/supervise-workers.js');

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
// In a `serve --workers` worker the IPC channel to the primary would keep this process alive.
releaseWorkerChannel();
