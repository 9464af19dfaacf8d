export { COLLECTOR_VERSION, type Collector, createCollector } from './app.js';
/** For embedding and test harnesses that create users directly. */
export { hashPassword } from './auth/passwords.js';
/** For test harnesses: TOTP enrolment and codes, as a staff member's authenticator app gives them. */
export { enrolTotp, freshTotpCode, type UsedTotpSteps } from './auth/totp/test-codes.js';
export { totpCode } from './auth/totp/totp-service.js';
export { type CollectorConfig, defaultConfig } from './config.js';
/** For test harnesses that read the SQLite file itself (refused when the store is PostgreSQL). */
export { type CollectorStore, sqliteHandleOf } from './store/open-relational-store.js';
