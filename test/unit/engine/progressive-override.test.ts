import { describe, expect, it } from 'vitest';
import { NO_OVERRIDE_BAND, overrideBands } from '../../../gateway/engine/progressive-override.js';

describe('overrideBands', () => {
  it('splits [0, 100) at the distinct thresholds: a threshold is active while the roll is below it', () => {
    let value = 0;
    const bands = overrideBands({ thresholds: [50, 12.5, 50], random: () => value / 100 });
    expect(bands.all.map((band) => band.key)).toEqual(['12.5,50', '50', '']);
    const rolled = (roll: number) => {
      value = roll;
      return bands.roll();
    };
    expect(rolled(0)).toMatchObject({ key: '12.5,50', active: [12.5, 50] });
    expect(rolled(12.4)).toMatchObject({ key: '12.5,50' });
    expect(rolled(12.5)).toMatchObject({ key: '50', active: [50] });
    expect(rolled(49.99)).toMatchObject({ key: '50' });
    expect(rolled(50)).toMatchObject({ key: '', active: [] });
    expect(rolled(99.99)).toMatchObject({ key: '' });
  });

  it('gives each band a planner value inside it, so one cached plan is right for the whole band', () => {
    const bands = overrideBands({ thresholds: [20, 70] });
    for (const band of bands.all) {
      const active = [20, 70].filter((n) => band.percentageValue < n);
      expect(active).toEqual(band.active);
    }
  });

  it('rolls nothing without thresholds', () => {
    const bands = overrideBands({ thresholds: [], random: () => 0 });
    expect(bands.all).toEqual([NO_OVERRIDE_BAND]);
    expect(bands.roll()).toBe(NO_OVERRIDE_BAND);
  });
});
