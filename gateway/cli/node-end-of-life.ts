/**
 * End of life of each Node release line (the last day it gets security fixes), from the Node.js release
 * schedule. Even lines are LTS for 30 months; odd lines live about 8 months.
 */
const END_OF_LIFE: Readonly<Record<number, string>> = {
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
};

/**
 * A warning when `version` (as `process.version` spells it) is past its end of life on `today`, else
 * `undefined` (also for lines newer than this table knows). Atrium runs on Node >= 20.19; 24 and 26 are
 * the lines it is tested and benchmarked on.
 *
 * @example
 * endOfLifeWarning('v20.20.2', new Date('2026-12-06')); // 'Node v20.20.2 reached its end of life on 2026-04-30: ...'
 * endOfLifeWarning('v24.22.3', new Date('2026-12-06')); // undefined
 */
export function endOfLifeWarning(version: string, today: Date): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const endOfLife = END_OF_LIFE[major];
  if (endOfLife === undefined || today.toISOString().slice(0, 10) <= endOfLife) return undefined;
  return `Node ${version} reached its end of life on ${endOfLife}: it gets no security fixes; run Atrium on Node 24 or 26`;
}
