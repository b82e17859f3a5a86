import { describe, expect, it } from 'vitest';
import { endOfLifeWarning } from '../../../gateway/cli/node-end-of-life.js';

describe('endOfLifeWarning', () => {
  const today = new Date('2026-12-06T00:00:00Z');

  it('warns for a line past its end of life, naming the date', () => {
    expect(endOfLifeWarning('v20.20.2', today)).toBe(
      'Node v20.20.2 reached its end of life on 2026-04-30: it gets no security fixes; run Atrium on Node 24 or 26',
    );
    expect(endOfLifeWarning('v25.1.0', today)).toMatch(/end of life on 2026-06-01/);
  });

  it('is quiet for supported lines, on the last day of support, and for lines newer than it knows', () => {
    expect(endOfLifeWarning('v22.12.0', today)).toBeUndefined();
    expect(endOfLifeWarning('v24.22.3', today)).toBeUndefined();
    expect(endOfLifeWarning('v26.12.1', today)).toBeUndefined();
    expect(endOfLifeWarning('v20.20.2', new Date('2026-04-30T23:00:00Z'))).toBeUndefined();
    expect(endOfLifeWarning('v28.0.0', today)).toBeUndefined();
    expect(endOfLifeWarning('not a version', today)).toBeUndefined();
  });
});
