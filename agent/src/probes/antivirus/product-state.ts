/**
 * What a platform tells about one antivirus product, before any threshold is applied. `null` means
 * the source does not say; an absent `lastScanAt` means the source has no scan history at all,
 * while `null` there means it has one and no scan ever completed.
 */
export interface AvProductState {
  product: string;
  /** Where the facts come from: `security-center`, `defender`, `clamav`, `xprotect`. */
  source: string;
  enabled: boolean | null;
  realTime: boolean | null;
  /** The product's own verdict on its signatures (Security Center's bit), when it gives one. */
  signaturesUpToDate: boolean | null;
  /** false: no signature database at all (ClamAV without files) — never protected. */
  hasSignatures: boolean | null;
  /** UTC ms of the signature build or update; null when unknown. */
  signaturesUpdatedAt: number | null;
  signatureVersion: string | null;
  lastScanAt?: number | null;
  /** Signature age limits (hours) when this product's vendor updates on another rhythm (XProtect). */
  ageLimitsHours?: { warning: number; critical: number };
  /** One line of platform detail for the message (daemon mode, product state, running mode). */
  detail?: string;
}
