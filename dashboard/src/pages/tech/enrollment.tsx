import type { ClientList, Installer, InstallerList, SiteList, TokenList } from '@vigie/shared/api';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useConfirm } from '../../components/confirm.js';
import { Async, CopyButton, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { useHashQuery } from '../../router.js';
import { useApi } from '../../use-api.js';

/** The install command per OS; the token travels in enroll.env, never on a Unix command line. */
export function installCommand(os: string, file: string | null, origin: string, token: string): string {
  if (os === 'debian') return `curl -fsSLO ${origin}/downloads/${file}\ninstall -D -m 600 enroll.env /etc/vigie-agent/enroll.env && apt install ./${file}`;
  if (os === 'linux')
    return `curl -fsSLO ${origin}/downloads/install.sh\ninstall -D -m 600 enroll.env /etc/vigie-agent/enroll.env && VIGIE_DOWNLOAD_URL=${origin}/downloads/vigie-agent-linux-x64 sh install.sh`;
  if (os === 'windows') return `msiexec /i ${file} URL=${origin} TOKEN=${token} /qn`;
  if (os === 'macos') return `curl -fsSLO ${origin}/downloads/${file} && tar xzf ${file}\ncp enroll.env vigie-agent/ && sudo vigie-agent/install.sh`;
  return `set -a; . ./enroll.env; set +a\nnode agent/bin/vigie-agent.mjs enroll --url ${origin} --state-dir .vigie/agent\nnode agent/bin/vigie-agent.mjs run --state-dir .vigie/agent`;
}

export function EnrollmentPage() {
  const hq = useHashQuery();
  const clients = useApi<ClientList>('/api/v1/clients');
  const [clientId, setClientId] = useState(hq.get('clientId') ?? '');
  const chosenClient = clientId || String(clients.data?.clients[0]?.id ?? '');
  const sites = useApi<SiteList>(chosenClient ? `/api/v1/clients/${chosenClient}/sites` : null);
  const [siteId, setSiteId] = useState(hq.get('siteId') ?? '');
  const chosenSite = siteId && sites.data?.sites.some((s) => String(s.id) === siteId) ? siteId : String(sites.data?.sites[0]?.id ?? '');
  const tokens = useApi<TokenList>(chosenSite ? `/api/v1/sites/${chosenSite}/enrollment-tokens` : null);
  const installers = useApi<InstallerList>('/api/v1/installers');
  const [uses, setUses] = useState('10');
  const [hours, setHours] = useState('168');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<{ token: string; expiresAt: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [envUrl, setEnvUrl] = useState<string | null>(null);
  const origin = location.origin;
  const [dialog, confirm] = useConfirm();

  useEffect(() => {
    if (!created) return;
    const url = URL.createObjectURL(new Blob([`VIGIE_URL=${origin}\nVIGIE_ENROLL_TOKEN=${created.token}\n`], { type: 'text/plain' }));
    setEnvUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [created]);

  const byOs = new Map<string, Installer>();
  for (const i of installers.data?.installers ?? []) if (!byOs.has(i.os) || i.file.includes('amd64') || i.file.endsWith('.msi')) byOs.set(i.os, i);
  const oses = ['debian', 'linux', 'windows', 'macos'].filter((os) => byOs.has(os));

  return (
    <>
      <h1>{t('enroll.title')}</h1>
      <p class="muted">{t('enroll.intro')}</p>
      <Section title={t('enroll.create')}>
        <form
          class="row wrap"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              setCreated(
                await api(`/api/v1/sites/${chosenSite}/enrollment-tokens`, {
                  body: { maxUses: Number(uses), ttlHours: Number(hours), ...(label.trim() ? { label } : {}) },
                }),
              );
              tokens.reload();
            } catch (err) {
              setError(errorText(err));
            }
          }}
        >
          <label>
            {t('enroll.client')}
            <select value={chosenClient} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
              {clients.data?.clients.map((c) => (
                <option value={String(c.id)}>{c.name}</option>
              ))}
            </select>
          </label>
          <label>
            {t('enroll.site')}
            <select value={chosenSite} onChange={(e) => setSiteId((e.currentTarget as HTMLSelectElement).value)}>
              {sites.data?.sites.map((s) => (
                <option value={String(s.id)}>{s.name}</option>
              ))}
            </select>
          </label>
          <label>
            {t('enroll.label')}
            <input type="text" maxLength={200} value={label} onInput={(e) => setLabel((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('enroll.uses')}
            <input type="number" min="1" value={uses} onInput={(e) => setUses((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('enroll.hours')}
            <input type="number" min="1" value={hours} onInput={(e) => setHours((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit" disabled={!chosenSite}>
            {t('enroll.create')}
          </button>
        </form>
        {error && <p class="error">{error}</p>}
        {created && (
          <div class="stack" data-testid="enroll-result">
            <p>
              {t('enroll.token')} : <code data-testid="token">{created.token}</code> <CopyButton text={created.token} />
            </p>
            <p class="muted">
              {t('enroll.expires')} {fmt.dateTime(created.expiresAt)}
            </p>
            {envUrl && (
              <p>
                <a href={envUrl} download="enroll.env">
                  {t('enroll.envFile')}
                </a>{' '}
                — <span class="muted">{t('enroll.envHint')}</span>
              </p>
            )}
            {oses.length === 0 && <p class="muted">{t('enroll.noInstallers')}</p>}
            {(oses.length ? oses : ['generic']).map((os) => {
              const inst = byOs.get(os);
              const cmd = installCommand(os, inst?.file ?? null, origin, created.token);
              return (
                <div class="command">
                  <div class="row">
                    <strong class="grow">{t('enroll.command', { os: os === 'generic' ? t('enroll.generic') : t(`os.${os}` as MessageKey) })}</strong>
                    <CopyButton text={cmd} />
                  </div>
                  <pre data-testid={`command-${os}`}>{cmd}</pre>
                  {inst && <a href={inst.url}>{t('enroll.download', { file: inst.file })}</a>}
                </div>
              );
            })}
          </div>
        )}
      </Section>
      <Section title={t('enroll.tokens')}>
        {dialog}
        {error && <p class="error">{error}</p>}
        <Async state={tokens}>
          {(r) =>
            r.tokens.length === 0 ? (
              <Empty />
            ) : (
              <table class="table compact">
                <thead>
                  <tr>
                    <th>{t('enroll.label')}</th>
                    <th>{t('enroll.expires')}</th>
                    <th>{t('enroll.used')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {r.tokens.map((tk) => (
                    <tr>
                      <td>{tk.label || `#${tk.id}`}</td>
                      <td>{fmt.dateTime(tk.expires_at)}</td>
                      <td>
                        {tk.uses} / {tk.max_uses}
                      </td>
                      <td>
                        {tk.revoked_at ? (
                          <span class="muted">{t('enroll.revoked')}</span>
                        ) : (
                          <button
                            type="button"
                            class="secondary small"
                            onClick={async () => {
                              const ok = await confirm(
                                t('confirm.revokeToken.title'),
                                <p>{t('confirm.revokeToken.body', { label: tk.label || `#${tk.id}`, left: Math.max(0, tk.max_uses - tk.uses) })}</p>,
                                t('enroll.revoke'),
                              );
                              if (!ok) return;
                              setError(null);
                              try {
                                await api(`/api/v1/enrollment-tokens/${tk.id}/revoke`, { body: {} });
                              } catch (err) {
                                setError(errorText(err));
                              }
                              tokens.reload();
                            }}
                          >
                            {t('enroll.revoke')}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
    </>
  );
}
