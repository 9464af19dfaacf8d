import { LegalIdentity } from '@vigie/shared/api';
import { describe, expect, it } from 'vitest';
import { IDENTITY_FIELDS, identityBody, identityInputs } from './identity-fields.js';

// Issue 18, point 1: saving the provider's identity unchanged erased rcs, phone (and more) because
// the form did not carry them. The form now holds every field of the schema.
describe('the identity form', () => {
  it('has a field for every property of the schema', () => {
    expect([...IDENTITY_FIELDS].sort()).toEqual(Object.keys(LegalIdentity.properties).sort());
  });

  it('gives back exactly what it was given', () => {
    const full = {
      name: 'Sibio Infogérance',
      legalForm: 'SARL au capital de 20 000 €',
      address: ['12 rue des Lilas', '69003 Lyon'],
      siren: '812345678',
      siret: '81234567800021',
      vatNumber: 'FR45812345678',
      rcs: 'RCS Lyon 812 345 678',
      email: 'facturation@sibio.test',
      phone: '04 72 00 00 00',
      electronicAddress: '812345678_FACT',
      country: 'FR',
    };
    expect(Object.keys(full).sort()).toEqual([...IDENTITY_FIELDS].sort());
    expect(identityBody(identityInputs(full))).toEqual(full);
    expect(identityBody(identityInputs({ name: 'A', address: ['B'] }))).toEqual({ name: 'A', address: ['B'] });
  });
});
