import { useState } from 'preact/hooks';
import { t, tOr } from '../../i18n/i18n.js';
import { display, type FieldKind, fieldKind, type JsonSchema, literals, schemaDefaults, variantOf, withKey } from './schema.js';

type Obj = Record<string, unknown>;

/** A field's label: the probe's own wording, else the common one, else its key. */
export function fieldLabel(probe: string, key: string): string {
  return tOr(`probe.${probe}.${key}`, tOr(`probe.field.${key}`, key));
}

const yesNo = (v: unknown) => (v === true ? t('app.yes') : v === false ? t('app.no') : display(v));
/** Secrets are typed, not shown (the policy still carries them to the agent). */
const isSecret = (key: string) => /Key$/.test(key);

interface FieldProps {
  probe: string;
  name: string;
  schema: JsonSchema;
  value: unknown;
  onChange: (v: unknown) => void;
  /** What applies when nothing is set here: the default, or the wider scope's. Undefined inside a list item. */
  inherited?: unknown;
  /** Inside a list item, where there is nothing to inherit. */
  inItem?: boolean;
}

/**
 * One setting drawn from its schema. Empty means "not set at this scope" (the wider scope or the
 * default applies, shown as the placeholder); lists and nested objects are edited in place.
 */
export function SchemaField(p: FieldProps) {
  const k = fieldKind(p.schema);
  const label = fieldLabel(p.probe, p.name);
  if (k.kind === 'object' || k.kind === 'list' || k.kind === 'variants' || k.kind === 'multi') {
    return (
      <fieldset class={`field-group ${k.kind}`} data-field={p.name}>
        <legend>{label}</legend>
        <Control {...p} k={k} label={label} />
      </fieldset>
    );
  }
  // A div, not a label: some controls hold a checkbox of their own; each control has an aria-label.
  return (
    <div class={`field ${k.kind === 'lines' ? 'wide' : ''}`} data-field={p.name}>
      <span class="field-label">{label}</span>
      <Control {...p} k={k} label={label} />
    </div>
  );
}

function Control(p: FieldProps & { k: FieldKind; label: string }) {
  const { k, value, onChange, inherited, inItem } = p;
  const inheritText = inItem ? '—' : t('policy.inherit', { value: k.kind === 'bool' ? yesNo(inherited) : display(inherited) || '—' });
  switch (k.kind) {
    case 'const':
      return <span class="mono">{String(k.value)}</span>;
    case 'bool':
      return (
        <select
          aria-label={p.label}
          value={value === undefined ? '' : String(value)}
          onChange={(e) => onChange(parseChoice((e.currentTarget as HTMLSelectElement).value, [true, false]))}
        >
          <option value="">{inheritText}</option>
          <option value="true">{t('app.yes')}</option>
          <option value="false">{t('app.no')}</option>
        </select>
      );
    case 'enum':
      return (
        <select
          aria-label={p.label}
          value={value === undefined ? '' : String(value)}
          onChange={(e) => onChange(parseChoice((e.currentTarget as HTMLSelectElement).value, [...k.options, ...(k.nullable ? [null] : [])]))}
        >
          <option value="">{inheritText}</option>
          {k.options.map((o) => (
            <option value={String(o)}>{tOr(`probe.value.${o}`, String(o))}</option>
          ))}
          {k.nullable && <option value="null">{t('policy.none')}</option>}
        </select>
      );
    case 'number':
      return (
        <span class="row tight">
          <input
            type="number"
            aria-label={p.label}
            min={p.schema.minimum ?? p.schema.anyOf?.[0]?.minimum}
            max={p.schema.maximum ?? p.schema.anyOf?.[0]?.maximum}
            step={k.integer ? 1 : 'any'}
            value={typeof value === 'number' ? value : ''}
            placeholder={display(inItem ? p.schema.default : inherited)}
            disabled={value === null}
            onInput={(e) => {
              const n = (e.currentTarget as HTMLInputElement).valueAsNumber;
              onChange(Number.isFinite(n) ? n : undefined);
            }}
          />
          {k.nullable && <NoneBox value={value} onChange={onChange} />}
        </span>
      );
    case 'text': {
      const props = {
        autoComplete: 'off',
        'aria-label': p.label,
        value: typeof value === 'string' ? value : '',
        placeholder: display(inItem ? p.schema.default : inherited),
        disabled: value === null,
        onInput: (e: Event) => {
          const s = (e.currentTarget as HTMLInputElement).value;
          onChange(s === '' ? undefined : s);
        },
      };
      return (
        <span class="row tight">
          {isSecret(p.name) ? <input type="password" {...props} /> : <input type="text" {...props} />}
          {k.nullable && <NoneBox value={value} onChange={onChange} />}
        </span>
      );
    }
    case 'lines':
      return (
        <LinesInput label={p.label} value={value as string[] | undefined} onChange={onChange} placeholder={display(inItem ? p.schema.default : inherited)} />
      );
    case 'multi': {
      const current = (value ?? inherited ?? []) as string[];
      return (
        <span class="checks">
          {k.options.map((o) => (
            <label class="check">
              <input
                type="checkbox"
                checked={current.includes(o)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  onChange(on ? [...current.filter((x) => x !== o), o] : current.filter((x) => x !== o));
                }}
              />
              {tOr(`probe.value.${o}`, o)}
            </label>
          ))}
          {value !== undefined && !inItem && (
            <button type="button" class="link small" onClick={() => onChange(undefined)}>
              {t('policy.reset')}
            </button>
          )}
        </span>
      );
    }
    case 'object':
      return <ObjectFields {...p} schema={p.schema.anyOf?.find((x) => x.type === 'object') ?? p.schema} />;
    case 'variants':
      return <VariantFields probe={p.probe} k={k} value={value as Obj | undefined} onChange={onChange} />;
    case 'list':
      return <ListField probe={p.probe} item={k.item} value={value as unknown[] | undefined} inherited={inherited} onChange={onChange} />;
  }
}

function parseChoice(raw: string, options: unknown[]): unknown {
  if (raw === '') return undefined;
  return options.find((o) => String(o) === raw);
}

function NoneBox({ value, onChange }: { value: unknown; onChange: (v: unknown) => void }) {
  return (
    <label class="check small">
      <input type="checkbox" checked={value === null} onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked ? null : undefined)} />
      {t('policy.none')}
    </label>
  );
}

/** One entry per line; the text is kept as typed so that Enter makes a new line. */
function LinesInput({
  label,
  value,
  onChange,
  placeholder,
}: {
  label: string;
  value: string[] | undefined;
  onChange: (v: unknown) => void;
  placeholder: string;
}) {
  const [text, setText] = useState((value ?? []).join('\n'));
  return (
    <textarea
      aria-label={label}
      rows={Math.min(8, Math.max(2, text.split('\n').length))}
      value={text}
      placeholder={placeholder}
      onInput={(e) => {
        const s = (e.currentTarget as HTMLTextAreaElement).value;
        setText(s);
        const lines = s
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        onChange(lines.length ? lines : undefined);
      }}
    />
  );
}

/** A nested object (SNMP thresholds, subnet scan): once any of it is set, it carries its defaults for the rest. */
function ObjectFields(p: FieldProps) {
  const value = p.value as Obj | undefined;
  const defaults = schemaDefaults(p.schema);
  return (
    <div class="fields">
      {Object.entries(p.schema.properties ?? {}).map(([key, s]) => (
        <SchemaField
          probe={p.probe}
          name={key}
          schema={s}
          value={value?.[key]}
          inherited={(p.inherited as Obj | undefined)?.[key] ?? s.default}
          inItem={p.inItem}
          onChange={(v) => {
            const next = withKey(value, key, v);
            p.onChange(Object.keys(next).length ? { ...defaults, ...next } : undefined);
          }}
        />
      ))}
    </div>
  );
}

/** An object of a union (a backup target's kind, an SNMP version, a v3 security level): its kind, then that kind's fields. */
function VariantFields({
  probe,
  k,
  value,
  onChange,
}: {
  probe: string;
  k: Extract<FieldKind, { kind: 'variants' }>;
  value: Obj | undefined;
  onChange: (v: unknown) => void;
}) {
  const variant = variantOf(k, value);
  const choices = k.variants.flatMap((v) => literals(v.properties?.[k.discriminator]) ?? []);
  return (
    <div class="fields">
      <div class="field" data-field={k.discriminator}>
        <span class="field-label">{fieldLabel(probe, k.discriminator)}</span>
        <select
          aria-label={fieldLabel(probe, k.discriminator)}
          value={String(value?.[k.discriminator] ?? '')}
          onChange={(e) => {
            const chosen = choices.find((c) => String(c) === (e.currentTarget as HTMLSelectElement).value);
            const next = k.variants.find((v) => literals(v.properties?.[k.discriminator])?.includes(chosen!))!;
            // Keep what the other kind also has (an address, a name), drop the rest.
            const kept = Object.fromEntries(Object.entries(value ?? {}).filter(([key]) => key in (next.properties ?? {})));
            onChange({ ...kept, [k.discriminator]: chosen });
          }}
        >
          {value?.[k.discriminator] === undefined && <option value="">—</option>}
          {choices.map((c) => (
            <option value={String(c)}>{tOr(`probe.value.${c}`, String(c))}</option>
          ))}
        </select>
      </div>
      {Object.entries(variant.properties ?? {})
        .filter(([key]) => key !== k.discriminator)
        .map(([key, s]) => (
          <SchemaField probe={probe} name={key} schema={s} value={value?.[key]} inItem onChange={(v) => onChange(withKey(value, key, v))} />
        ))}
    </div>
  );
}

/** A list of objects (backup targets, SNMP targets, HTTP checks): one block per entry. Set here, it replaces the wider scope's list. */
function ListField({
  probe,
  item,
  value,
  inherited,
  onChange,
}: {
  probe: string;
  item: JsonSchema;
  value: unknown[] | undefined;
  inherited: unknown;
  onChange: (v: unknown) => void;
}) {
  const k = fieldKind(item);
  const items = value ?? [];
  const blank = (): Obj => {
    if (k.kind === 'variants') {
      const first = k.variants[0]!;
      return { ...schemaDefaults(first), [k.discriminator]: literals(first.properties?.[k.discriminator])![0] };
    }
    return {};
  };
  const set = (i: number, v: unknown) => onChange(items.map((x, j) => (j === i ? v : x)));
  return (
    <div class="list-field">
      {value === undefined && Array.isArray(inherited) && inherited.length > 0 && (
        <p class="muted small">{t('policy.inheritedList', { count: inherited.length })}</p>
      )}
      {items.map((it, i) => (
        <div class="list-item" data-item={i}>
          {k.kind === 'variants' ? (
            <VariantFields probe={probe} k={k} value={it as Obj} onChange={(v) => set(i, v)} />
          ) : k.kind === 'object' ? (
            <div class="fields">
              {Object.entries(item.properties ?? {}).map(([key, s]) => (
                <SchemaField probe={probe} name={key} schema={s} value={(it as Obj)[key]} inItem onChange={(v) => set(i, withKey(it as Obj, key, v))} />
              ))}
            </div>
          ) : (
            <SchemaField probe={probe} name="value" schema={item} value={it} inItem onChange={(v) => set(i, v)} />
          )}
          <button
            type="button"
            class="secondary small"
            onClick={() => {
              const next = items.filter((_, j) => j !== i);
              onChange(next.length ? next : undefined);
            }}
          >
            {t('policy.removeItem')}
          </button>
        </div>
      ))}
      <button type="button" class="secondary small" onClick={() => onChange([...items, blank()])}>
        {t('policy.addItem')}
      </button>
    </div>
  );
}
