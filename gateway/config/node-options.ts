/**
 * `NODE_OPTIONS` as the process was started with (flags there apply to this process already). Read here
 * because gateway/config/ is the only place that reads the environment.
 */
export function nodeOptions(): string | undefined {
  return process.env.NODE_OPTIONS;
}
