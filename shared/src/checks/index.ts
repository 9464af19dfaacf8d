export { type CheckFormat, type CheckLocale, checkFormat } from './format.js';
export { checkLabel, targetLabel } from './labels.js';
export {
  CHECK_TEXTS,
  CHECK_TEXTS_BY_SOURCE,
  type CheckFacts,
  type CheckPhrase,
  type CheckText,
  type CheckTexts,
  type DescribableCheck,
  describeCheck,
} from './messages.js';
