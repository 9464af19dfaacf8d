import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Badge, Empty, Section } from '../../components/ui.js';
import { fmt, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { errorText } from './intervene.js';
import { useStepUp } from './step-up.js';
import type { ScriptView } from './types.js';

/** `name:type[:required]` lines into parameter definitions. */
function parseParams(text: string): { name: string; type: string; required?: boolean }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name = '', type = 'string', req] = l.split(':').map((x) => x.trim());
      return { name, type, ...(req === 'required' || req === 'requis' ? { required: true } : {}) };
    });
}

/** The script library: versions with their SHA-256 and approval; an admin approves (with a step-up). */
export function ScriptLibraryPage({ user }: { user: User }) {
  const scripts = useApi<{ scripts: ScriptView[] }>('/api/v1/scripts');
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const [editing, setEditing] = useState<ScriptView | 'new' | null>(null);
  const { run, prompt } = useStepUp();
  const approve = (versionId: number) =>
    run(async () => {
      await api(`/api/v1/script-versions/${versionId}/approve`, { body: {} });
      scripts.reload();
    }).catch((err) => setNotice({ ok: false, text: errorText(err) }));
  return (
    <>
      <div class="page-head">
        <h1>{t('scripts.title')}</h1>
        <button type="button" onClick={() => setEditing('new')}>
          {t('scripts.new')}
        </button>
      </div>
      <p class="muted">{t('scripts.intro')}</p>
      {prompt}
      {notice && <p class={notice.ok ? 'success' : 'error'}>{notice.text}</p>}
      {editing && (
        <ScriptForm
          script={editing === 'new' ? null : editing}
          onSaved={(version) => {
            setEditing(null);
            setNotice({ ok: true, text: t('scripts.saved', { version }) });
            scripts.reload();
          }}
          onError={(text) => setNotice({ ok: false, text })}
        />
      )}
      <Async state={scripts}>
        {(r) =>
          r.scripts.length === 0 ? (
            <Empty text={t('scripts.none')} />
          ) : (
            r.scripts.map((s) => (
              <Section
                title={s.name}
                actions={
                  <button type="button" class="secondary small" onClick={() => setEditing(s)}>
                    {t('scripts.newVersion')}
                  </button>
                }
              >
                {s.description && <p>{s.description}</p>}
                <table class="table compact" data-testid={`script-${s.id}`}>
                  <tbody>
                    {s.versions.map((v) => (
                      <tr data-version={v.id}>
                        <td>{t('scripts.version', { version: v.version })}</td>
                        <td>{v.language}</td>
                        <td class="mono ellipsis">{v.sha256}</td>
                        <td>
                          {v.approvedAt ? (
                            <Badge kind="state-ok">{t('scripts.approved', { name: v.approvedBy ?? '', date: fmt.dateTime(v.approvedAt) })}</Badge>
                          ) : (
                            <Badge kind="state-warning">{t('scripts.pending')}</Badge>
                          )}
                        </td>
                        <td>
                          {!v.approvedAt && user.role === 'admin' && (
                            <button type="button" class="small" onClick={() => approve(v.id)}>
                              {t('scripts.approve')}
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <details>
                  <summary>{t('scripts.content')}</summary>
                  <pre class="console">{s.versions[0]?.content}</pre>
                </details>
              </Section>
            ))
          )
        }
      </Async>
    </>
  );
}

function ScriptForm({ script, onSaved, onError }: { script: ScriptView | null; onSaved: (version: number) => void; onError: (text: string) => void }) {
  const last = script?.versions[0];
  const [f, setF] = useState({
    name: '',
    description: '',
    language: last?.language ?? 'sh',
    content: last?.content ?? '',
    params: (last?.params ?? []).map((p) => `${p.name}:${p.type}${p.required ? ':required' : ''}`).join('\n'),
    timeoutSec: String(last?.timeoutSec ?? 300),
  });
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const version = { language: f.language, content: f.content, params: parseParams(f.params), timeoutSec: Number(f.timeoutSec) };
    try {
      const v = await api<{ version: number }>(script ? `/api/v1/scripts/${script.id}/versions` : '/api/v1/scripts', {
        body: script ? version : { name: f.name, description: f.description, ...version },
      });
      onSaved(v.version);
    } catch (err) {
      onError(errorText(err));
    }
  };
  return (
    <form class="card stack" onSubmit={submit} data-testid="script-editor">
      <h2>{script ? `${script.name} — ${t('scripts.newVersion')}` : t('scripts.new')}</h2>
      {!script && (
        <>
          <label>
            {t('scripts.name')}
            <input name="name" required maxLength={200} value={f.name} onInput={set('name')} />
          </label>
          <label>
            {t('scripts.description')}
            <input name="description" maxLength={2000} value={f.description} onInput={set('description')} />
          </label>
        </>
      )}
      <div class="row">
        <label>
          {t('scripts.language')}
          <select name="language" value={f.language} onChange={set('language')}>
            {['sh', 'bash', 'zsh', 'powershell'].map((l) => (
              <option value={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          {t('scripts.timeout')}
          <input name="timeout" type="number" min="1" max="3600" value={f.timeoutSec} onInput={set('timeoutSec')} />
        </label>
      </div>
      <label>
        {t('scripts.content')}
        <textarea name="content" class="mono" rows={10} required value={f.content} onInput={set('content')} />
      </label>
      <label>
        {t('scripts.params')}
        <textarea name="params" class="mono" rows={3} value={f.params} onInput={set('params')} />
        <small class="muted">{t('scripts.paramsHelp')}</small>
      </label>
      <button type="submit">{t('scripts.create')}</button>
    </form>
  );
}
