import { describe, expect, it } from 'vitest';
import { maskUrlCredentials, maskUrlCredentialsDeep } from './url-credentials.js';

describe('maskUrlCredentials', () => {
  it.each([
    ['rest:https://acme:S3cret-pw@backup.acme.fr:8000/srv', 'rest:https://acme:••••@backup.acme.fr:8000/srv'],
    ['http://monitor:S3cret@intranet.acme.fr/status', 'http://monitor:••••@intranet.acme.fr/status'],
    ['http http://monitor:S3cret@10.0.0.5/ answered 200', 'http http://monitor:••••@10.0.0.5/ answered 200'],
    // A raw '@' in the password: everything up to the host's '@' is the password.
    ['https://u:p@ss@w0rd@host/x', 'https://u:••••@host/x'],
    ['smtp://relay:pw@mail.acme.fr:587', 'smtp://relay:••••@mail.acme.fr:587'],
    // A lone token as user name over http(s) is a secret; an ssh user is not.
    ['https://ghp_abcdef123@git.acme.fr/repo', 'https://••••@git.acme.fr/repo'],
    ['ssh://borg@nas.acme.fr/./backups', 'ssh://borg@nas.acme.fr/./backups'],
    ['two: http://a:1@h1/ and https://b:2@h2/', 'two: http://a:••••@h1/ and https://b:••••@h2/'],
  ])('%s', (given, shown) => {
    expect(maskUrlCredentials(given)).toBe(shown);
    expect(maskUrlCredentials(given)).not.toMatch(/S3cret|ss@w0rd|ghp_/);
  });

  it('leaves text without credentials alone', () => {
    for (const s of ['https://intranet.acme.fr/status?a=b@c', 'sftp:backup@nas:/srv/restic', '/srv/restic', 'contact@acme.fr', 'http://[fd00::1]:8080/']) {
      expect(maskUrlCredentials(s)).toBe(s);
    }
  });

  it('masks every string of a JSON value, keeping its shape', () => {
    const policy = {
      probes: { backup: { targets: [{ kind: 'restic', repository: 'rest:https://acme:S3cret@b/', n: 3 }] }, network: { http: [{ url: 'http://m:pw@h/' }] } },
    };
    expect(maskUrlCredentialsDeep(policy)).toEqual({
      probes: { backup: { targets: [{ kind: 'restic', repository: 'rest:https://acme:••••@b/', n: 3 }] }, network: { http: [{ url: 'http://m:••••@h/' }] } },
    });
  });
});
