#!/usr/bin/env node
// Must stay the first import: it sets APOLLO_TELEMETRY_DISABLED before any Apollo module is evaluated.
import './config/disable-apollo-telemetry.js';
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
