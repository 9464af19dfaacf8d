export { addBusinessDays, businessDayOnOrAfter, businessDaysBetween, fromParis, isBusinessDay, type ParisTime, parisDate, toParis } from './business-days.js';
export { easterSunday, frenchPublicHolidays, isFrenchPublicHoliday, type PublicHoliday } from './french-holidays.js';
export { addDays, assertLocalDate, dayOfWeek, daysBetween, type LocalDate, localDate } from './local-date.js';
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
