import { type ErrorKey, VigieError } from './errors.js';

/**
 * Why a request was refused, when its code alone does not say it (shared/src/errors.ts gives the
 * code). The dashboard has a sentence for each in French and English (`error.reason.<key>`, a test
 * checks them all); the `message` the collector also sends stays English for API users.
 */
export const ERROR_REASONS = [
  // tickets (contract 2.6)
  'hotline_closed',
  'programmed_too_soon',
  'programmed_needs_date',
  'received_in_future',
  'device_not_of_client',
  'client_required',
  'client_not_found',
  'assignee_not_staff',
  'status_move',
  'client_only_comments',
  'attachment_too_large',
  'attachment_type',
  'link_other_client',
  'link_self',
  // users and sign-in
  'client_user_needs_client',
  'staff_has_no_client',
  'email_taken',
  'password_too_short',
  'own_account',
  'reset_token_invalid',
  // tenants
  'client_name_taken',
  'site_name_taken',
  // billing
  'seller_siren_required',
  'seller_vat_required',
  'seller_address_required',
  'buyer_required',
  'electronic_address',
  'contract_start_fixed',
  'contract_grid_fixed',
  'contract_needs_grid',
  'syntec_reference_unknown',
  'syntec_reference_stale',
  'notice_already',
  'notice_before_start',
  'no_contract',
  'invoice_immutable',
  'payment_above_balance',
  'contract_rule',
  'recurring_weekend',
  // reports and mail
  'smtp_not_configured',
  'month_not_started',
  // uploads
  'logo_type',
  'logo_too_large',
  // rules
  'rule_params_type',
  'metric_unknown',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/**
 * A refusal a reader can act on: the catalogue code, the reason the dashboard turns into a sentence
 * (with `values` in it, and `field` when one field is at fault), and an English message for the API.
 */
export function refusal(key: ErrorKey, reason: ErrorReason, message: string, values: Record<string, string | number> = {}, field?: string): VigieError {
  return new VigieError(key, message, { reason, ...values, ...(field ? { field } : {}) });
}

/**
 * A refusal under one of the service contract's rules, whose sentence the billing service writes in
 * French from the contract itself (« Avoir supérieur au montant restant à créditer… »): the reader
 * gets that sentence as it is (`rule`), not a generic "value refused" around it.
 */
export function contractRefusal(message: string): VigieError {
  return refusal('VALIDATION', 'contract_rule', message, { rule: message });
}
