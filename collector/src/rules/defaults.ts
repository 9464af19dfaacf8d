/** Rules that ship enabled (issue 5): each has a stable key so it is created once and can be tuned. */
export interface RuleDefinition {
  key: string;
  name: string;
  type: 'threshold' | 'absence' | 'check' | 'warranty';
  severity: 'warning' | 'critical';
  params: Record<string, unknown>;
}

export const DEFAULT_RULES: RuleDefinition[] = [
  { key: 'agent-offline', name: 'Agent hors ligne', type: 'absence', severity: 'critical', params: { minutes: 10 } },
  {
    key: 'disk-full',
    name: 'Disque plein (> 90 %)',
    type: 'threshold',
    severity: 'critical',
    params: { metric: 'fs.used_pct', op: '>', value: 90, forSec: 300, recoverValue: 85 },
  },
  { key: 'backup-too-old', name: 'Sauvegarde trop ancienne (> 26 h)', type: 'check', severity: 'critical', params: { check: 'backup', minStatus: 'warning' } },
  { key: 'antivirus', name: 'Antivirus désactivé ou pas à jour', type: 'check', severity: 'critical', params: { check: 'antivirus', minStatus: 'warning' } },
  {
    key: 'certificate-expiring',
    name: 'Certificat expirant dans moins de 14 jours',
    type: 'check',
    severity: 'warning',
    params: { check: 'network', codes: ['TLS_CERT_EXPIRING', 'TLS_CERT_EXPIRED'], minStatus: 'critical' },
  },
  {
    key: 'host-unreachable',
    name: 'Hôte injoignable',
    type: 'check',
    severity: 'critical',
    params: { check: 'network', codes: ['HOST_UNREACHABLE'], minStatus: 'critical' },
  },
  // Site role (SNMP): network devices, printers and UPS watched by a site agent.
  {
    key: 'snmp-device-down',
    name: 'Équipement réseau injoignable',
    type: 'check',
    severity: 'critical',
    params: { check: 'snmp-reachable', minStatus: 'critical' },
  },
  {
    key: 'printer-supply',
    name: 'Consommable d’imprimante presque vide (< 10 %)',
    type: 'check',
    severity: 'warning',
    params: { check: 'snmp-supply', minStatus: 'critical' },
  },
  {
    key: 'ups-on-battery',
    name: 'Onduleur sur batterie ou batterie défaillante',
    type: 'check',
    severity: 'critical',
    params: { check: 'snmp-ups', minStatus: 'critical' },
  },
  {
    key: 'interface-down',
    name: 'Interface réseau sans lien',
    type: 'check',
    severity: 'warning',
    params: { check: 'snmp-interface', codes: ['IF_DOWN'], minStatus: 'warning' },
  },
  // Contract 2.4 / 3: supplied hardware whose warranty ends soon (or has ended while still in use).
  { key: 'warranty-ending', name: 'Garantie bientôt terminée (< 90 jours)', type: 'warranty', severity: 'warning', params: { days: 90 } },
];
