// Minimal dashboard until the full one lands: sign in, list devices, open one.
// Everything that came from an agent or a user is rendered with textContent, never as HTML.
import { messages } from './messages.js';

const lang = (localStorage.getItem('vigie.lang') || navigator.language || 'fr').startsWith('en') ? 'en' : 'fr';
const t = (key) => messages[lang][key] ?? messages.fr[key] ?? key;
const dateFmt = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Europe/Paris' });
const numFmt = new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR', { maximumFractionDigits: 2 });
let csrf = '';

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return node;
}

async function api(path, init = {}) {
  const headers = { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(csrf ? { 'x-csrf-token': csrf } : {}) };
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(body?.error?.message || res.statusText), { status: res.status, code: body?.error?.code });
  return body;
}

const main = document.getElementById('main');
const show = (...nodes) => main.replaceChildren(...nodes);

function loginView(error) {
  const email = el('input', { type: 'email', name: 'email', required: '', autocomplete: 'username' });
  const password = el('input', { type: 'password', name: 'password', required: '', autocomplete: 'current-password' });
  const form = el(
    'form',
    {
      class: 'login',
      on: {
        submit: async (e) => {
          e.preventDefault();
          try {
            const r = await api('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ email: email.value, password: password.value }) });
            csrf = r.csrfToken;
            start(r.user);
          } catch (err) {
            loginView(`${t('login.failed')} (${err.code || err.status})`);
          }
        },
      },
    },
    el('h2', {}, t('login.title')),
    el('label', {}, t('login.email'), email),
    el('label', {}, t('login.password'), password),
    el('button', { type: 'submit' }, t('login.submit')),
    error ? el('p', { class: 'error' }, error) : '',
  );
  show(form);
}

async function devicesView() {
  const { devices } = await api('/api/v1/devices?limit=1000');
  const head = el(
    'tr',
    {},
    ...['devices.hostname', 'devices.client', 'devices.site', 'devices.os', 'devices.serial', 'devices.status', 'devices.lastSeen'].map((k) =>
      el('th', {}, t(k)),
    ),
  );
  const rows = devices.map((d) =>
    el(
      'tr',
      {},
      el('td', {}, el('a', { on: { click: () => deviceView(d.id) } }, d.hostname)),
      el('td', {}, d.clientName),
      el('td', {}, d.siteName),
      el('td', {}, d.osName ?? ''),
      el('td', {}, d.serial ?? ''),
      el('td', { class: `status-${d.status}` }, t(`status.${d.status}`)),
      el('td', {}, d.lastSeenAt ? dateFmt.format(d.lastSeenAt) : '—'),
    ),
  );
  show(el('h2', {}, t('devices.title')), devices.length ? el('table', {}, head, ...rows) : el('p', {}, t('devices.none')));
}

async function deviceView(id) {
  const d = await api(`/api/v1/devices/${id}`);
  const inv = d.inventory;
  const kv = (pairs) =>
    el('table', {}, ...pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
  const metrics = Object.entries(d.latestMetrics).map(([k, v]) => [k, numFmt.format(v.value)]);
  const hist = await api(`/api/v1/devices/${id}/inventory/history?limit=50`);
  show(
    el('p', {}, el('a', { on: { click: devicesView } }, t('device.back'))),
    el('h2', {}, d.device.hostname),
    inv
      ? el(
          'section',
          {},
          el('h3', {}, t('device.hardware')),
          kv([
            ['Fabricant', inv.system.manufacturer],
            ['Modèle', inv.system.model],
            [t('devices.serial'), inv.system.serial],
            ['UUID', inv.system.uuid],
            ['BIOS', [inv.bios.vendor, inv.bios.version].filter(Boolean).join(' ')],
            ['CPU', inv.cpu.brand],
            ['RAM', inv.memory.totalBytes ? `${numFmt.format(inv.memory.totalBytes / 2 ** 30)} Gio` : undefined],
            [t('devices.os'), [inv.os.distro, inv.os.release, inv.os.kernel].filter(Boolean).join(' ')],
          ]),
          el('h3', {}, t('device.disks')),
          kv(
            inv.disks.map((k) => [
              k.device ?? k.model ?? '?',
              `${k.model ?? ''} ${k.serial ?? ''} ${k.sizeBytes ? `${numFmt.format(k.sizeBytes / 1e9)} Go` : ''}`,
            ]),
          ),
          el('h3', {}, `${t('device.software')} (${inv.software.length})`),
          kv(inv.software.slice(0, 500).map((s) => [s.name, `${s.version ?? ''} ${s.publisher ?? ''}`])),
        )
      : el('p', {}, t('device.noInventory')),
    el('section', {}, el('h3', {}, t('device.metrics')), kv(metrics)),
    el('section', {}, el('h3', {}, t('device.history')), kv(hist.changes.map((c) => [dateFmt.format(c.changedAt), `${c.section} ${c.change} ${c.key}`]))),
  );
}

function commandsFor(os, installer, origin, token) {
  const f = installer.file;
  if (os === 'debian') return `curl -fsSLO ${origin}/downloads/${f}\ninstall -D -m 600 enroll.env /etc/vigie-agent/enroll.env && apt install ./${f}`;
  if (os === 'linux')
    return `curl -fsSLO ${origin}/downloads/install.sh\ninstall -D -m 600 enroll.env /etc/vigie-agent/enroll.env && VIGIE_DOWNLOAD_URL=${origin}/downloads/vigie-agent-linux-x64 sh install.sh`;
  if (os === 'windows') return `msiexec /i ${f} URL=${origin} TOKEN=${token} /qn`;
  return `curl -fsSLO ${origin}/downloads/${f} && tar xzf ${f}\ncp enroll.env vigie-agent/ && sudo vigie-agent/install.sh`;
}

async function enrollView() {
  const { clients } = await api('/api/v1/clients');
  const clientSel = el('select', {}, ...clients.map((c) => el('option', { value: String(c.id) }, c.name)));
  const siteSel = el('select');
  const uses = el('input', { type: 'number', min: '1', value: '10' });
  const hours = el('input', { type: 'number', min: '1', value: '168' });
  const out = el('div');
  const loadSites = async () => {
    const { sites } = await api(`/api/v1/clients/${clientSel.value}/sites`);
    siteSel.replaceChildren(...sites.map((s) => el('option', { value: String(s.id) }, s.name)));
  };
  clientSel.addEventListener('change', loadSites);
  if (clients.length) await loadSites();
  const create = async (e) => {
    e.preventDefault();
    const tok = await api(`/api/v1/sites/${siteSel.value}/enrollment-tokens`, {
      method: 'POST',
      body: JSON.stringify({ maxUses: Number(uses.value), ttlHours: Number(hours.value) }),
    });
    const { installers } = await api('/api/v1/installers');
    const origin = location.origin;
    const env = new Blob([`VIGIE_URL=${origin}\nVIGIE_ENROLL_TOKEN=${tok.token}\n`], { type: 'text/plain' });
    const envLink = el('a', { href: URL.createObjectURL(env), download: 'enroll.env' }, t('enroll.envFile'));
    const byOs = {};
    for (const i of installers) if (!byOs[i.os] || i.file.includes('amd64') || i.file.endsWith('.msi')) byOs[i.os] = i;
    const rows = ['debian', 'linux', 'windows', 'macos']
      .filter((os) => byOs[os])
      .map((os) =>
        el(
          'tr',
          {},
          el('th', {}, t(`os.${os}`)),
          el(
            'td',
            {},
            el('pre', {}, commandsFor(os, byOs[os], origin, tok.token)),
            el('a', { href: byOs[os].url }, `${t('enroll.download')} ${byOs[os].file}`),
          ),
        ),
      );
    out.replaceChildren(
      el('p', {}, `${t('enroll.token')} : `, el('code', {}, tok.token)),
      el('p', {}, `${t('enroll.expires')} ${dateFmt.format(tok.expiresAt)}`),
      el('p', {}, envLink, ' — ', t('enroll.envHint')),
      rows.length ? el('table', {}, ...rows) : el('p', {}, t('enroll.noInstallers')),
    );
  };
  show(
    el('h2', {}, t('enroll.title')),
    el(
      'form',
      { on: { submit: create } },
      el('label', {}, t('enroll.client'), clientSel),
      ' ',
      el('label', {}, t('enroll.site'), siteSel),
      ' ',
      el('label', {}, t('enroll.uses'), uses),
      ' ',
      el('label', {}, t('enroll.hours'), hours),
      ' ',
      el('button', { type: 'submit' }, t('enroll.create')),
    ),
    out,
  );
}

function start(user) {
  document.getElementById('who').textContent = `${user.name} (${user.role})`;
  const nav = document.getElementById('nav');
  const staff = user.role === 'admin' || user.role === 'technician';
  nav.replaceChildren(
    el('a', { on: { click: devicesView } }, t('nav.devices')),
    ...(staff ? [' · ', el('a', { on: { click: enrollView } }, t('nav.enroll'))] : []),
  );
  const out = document.getElementById('logout');
  out.textContent = t('logout');
  out.hidden = false;
  out.onclick = async () => {
    await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => {});
    location.reload();
  };
  devicesView();
}

api('/api/v1/auth/me').then(
  (r) => {
    csrf = r.csrfToken;
    start(r.user);
  },
  () => loginView(),
);
