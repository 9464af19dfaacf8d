import { describe, expect, it } from 'vitest';
import { checkLabel, targetLabel } from './labels.js';

// Issue 18: labels instead of identifiers, in both languages.
describe('check and target labels', () => {
  it.each([
    ['security', 'disk-encryption', 'Chiffrement du disque', 'Disk encryption'],
    ['backup', 'folder /srv/compta', 'Dossier /srv/compta', 'Folder /srv/compta'],
    ['backup', 'restic nas', 'Restic nas', 'Restic nas'],
    ['network', 'tls www.acme.fr', 'Certificat TLS www.acme.fr', 'TLS certificate www.acme.fr'],
    ['snmp-supply', '192.168.10.20:161 supply Black Toner', 'Black Toner', 'Black Toner'],
    ['snmp-interface', '192.168.10.1:161 if Gi0/1', 'Gi0/1', 'Gi0/1'],
    ['snmp-ups', '192.168.10.30:161 ups', 'Onduleur', 'UPS'],
    ['services', 'top-processes', 'Processus les plus gourmands', 'Busiest processes'],
    ['antivirus', 'Microsoft Defender', 'Microsoft Defender', 'Microsoft Defender'],
  ])('%s %s', (check, target, fr, en) => {
    expect(targetLabel(check, target, 'fr')).toBe(fr);
    expect(targetLabel(check, target, 'en')).toBe(en);
  });

  it('names the checks, and leaves an unknown one as it is', () => {
    expect(checkLabel('snmp-supply', 'fr')).toBe('Consommable');
    expect(checkLabel('snmp-reachable', 'en')).toBe('SNMP answer');
    expect(checkLabel('custom-thing', 'fr')).toBe('custom-thing');
  });
});
