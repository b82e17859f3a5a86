// Apollo's libraries send usage data out unless this is set. This module is imported
// first by every entry point, so it runs before any Apollo module is evaluated (ESM evaluates imports
// in source order). An operator may still set it to another value explicitly.
process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
export {};
