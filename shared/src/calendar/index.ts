export { addBusinessDays, businessDayOnOrAfter, businessDaysBetween, isBusinessDay } from './business-days.js';
export { easterSunday, frenchPublicHolidays, isFrenchPublicHoliday, type PublicHoliday } from './french-holidays.js';
export { addDays, assertLocalDate, dayOfWeek, daysBetween, frenchDate, isLocalDate, type LocalDate, localDate } from './local-date.js';
export {
  addMonths,
  assertLocalMonth,
  daysInMonth,
  type LocalMonth,
  type MonthPeriod,
  monthBounds,
  monthOf,
  monthPeriod,
  monthsEndingWith,
  shiftMonth,
} from './month.js';
export { fromParis, PARIS_TIME_ZONE, type ParisTime, parisDate, parisMidnight, toParis } from './paris-time.js';
export {
  acceptsPhoneRequest,
  acceptsRequest,
  BUSINESS_HOURS,
  type InterventionKind,
  type InterventionMode,
  isProgrammed,
  isWithinBusinessHours,
  PROGRAMMED_MIN_BUSINESS_DAYS,
  type RequestChannel,
  slaClockStart,
  slaDeadline,
  URGENT_BUSINESS_DAYS,
} from './sla.js';
