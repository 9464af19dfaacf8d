/** One kind × mode of a price grid: the price of each billing unit. */
export interface TestPriceUnits {
  day: number;
  half_day: number;
  hour: number;
  quarter_hour: number;
}

/** A price grid with every kind, mode and unit priced (assignable to the collector's PriceGrid). */
export interface TestPriceGrid {
  programmed: { on_site: TestPriceUnits; remote: TestPriceUnits };
  urgent: { on_site: TestPriceUnits; remote: TestPriceUnits };
}

/** The test contract's price grid, in cents excluding tax. Shared: copy it (structuredClone) before changing it. */
export const TEST_PRICE_GRID: TestPriceGrid = {
  programmed: {
    on_site: { day: 60000, half_day: 33000, hour: 11000, quarter_hour: 3000 },
    remote: { day: 48000, half_day: 26000, hour: 8800, quarter_hour: 2200 },
  },
  urgent: {
    on_site: { day: 80000, half_day: 44000, hour: 14000, quarter_hour: 3800 },
    remote: { day: 64000, half_day: 34000, hour: 11000, quarter_hour: 3000 },
  },
};
