import { useState } from 'preact/hooks';
import type { GeneratedEvent, ListedEvent } from '../../api/types.js';
import { api } from '../../context.js';
import {
  DeleteButton,
  ErrorBox,
  Field,
  formatDate,
  formatEventDateTime,
  localToIso,
  Notice,
  PageTitle,
  TableWrap,
  todayLocal,
  useAction,
  useLoad,
} from '../../components/ui.js';
import { href } from '../../router.js';
import { NetworksCell, NetworksField, networksFromText } from './allowed-networks.js';
import { QrText } from './qr-text.js';
import { t } from '../../i18n/i18n.js';

function CreateEvent({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [date, setDate] = useState(todayLocal);
  const [rotating, setRotating] = useState(false);
  const [seconds, setSeconds] = useState('30');
  const [opens, setOpens] = useState('');
  const [closes, setCloses] = useState('');
  const [networks, setNetworks] = useState('');
  const [created, setCreated] = useState<GeneratedEvent | null>(null);
  const { busy, error, message, run } = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    setCreated(null);
    const starts = localToIso(opens);
    const expires = localToIso(closes);
    const allowed = networksFromText(networks);
    const reply = await run(
      () =>
        api.generateEvent({
          event_name: name,
          date,
          ...(rotating ? { rotation_seconds: Number(seconds) } : {}),
          ...(starts ? { starts_at: starts } : {}),
          ...(expires ? { expires_at: expires } : {}),
          ...(allowed.length > 0 ? { allowed_networks: allowed } : {}),
        }),
      (r) => t('events.created', { name: r.event_name, id: r.event_id }),
    );
    if (reply) {
      setCreated(reply);
      setName('');
      onCreated();
    }
  };

  return (
    <section class="card" aria-labelledby="create-heading">
      <h2 id="create-heading">{t('events.newEvent')}</h2>
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label={t('events.name')}>
          {(a) => (
            <input
              {...a}
              name="event_name"
              type="text"
              required
              maxLength={255}
              value={name}
              onInput={(e) => {
                setName(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <Field label={t('common.date')}>
          {(a) => (
            <input
              {...a}
              name="date"
              type="date"
              required
              value={date}
              onInput={(e) => {
                setDate(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <div class="check">
          <input
            id="rotating"
            name="rotating"
            type="checkbox"
            checked={rotating}
            onChange={(e) => {
              setRotating(e.currentTarget.checked);
            }}
          />
          <label for="rotating">{t('events.rotating')}</label>
        </div>
        {rotating && (
          <Field label={t('events.seconds')} hint={t('events.secondsHint')}>
            {(a) => (
              <input
                {...a}
                name="rotation_seconds"
                type="number"
                min={10}
                max={86400}
                required
                value={seconds}
                onInput={(e) => {
                  setSeconds(e.currentTarget.value);
                }}
              />
            )}
          </Field>
        )}
        <details>
          <summary>{t('events.window')}</summary>
          <p class="hint">{t('events.windowHint')}</p>
          <Field label={t('events.opens')}>
            {(a) => (
              <input
                {...a}
                name="starts_at"
                type="datetime-local"
                value={opens}
                onInput={(e) => {
                  setOpens(e.currentTarget.value);
                }}
              />
            )}
          </Field>
          <Field label={t('events.closes')}>
            {(a) => (
              <input
                {...a}
                name="expires_at"
                type="datetime-local"
                value={closes}
                onInput={(e) => {
                  setCloses(e.currentTarget.value);
                }}
              />
            )}
          </Field>
        </details>
        <NetworksField value={networks} onInput={setNetworks} />
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('events.busy') : t('events.create')}
        </button>
      </form>
      {created && (
        <div class="created">
          <Notice>{message}</Notice>
          <img
            class="qr-preview"
            src={created.check_in_qr_image_base64}
            width={256}
            height={256}
            alt={t('events.qrAlt', { name: created.event_name })}
          />
          <p class="actions">
            <a
              class="button primary"
              href={href(`/admin/events/${encodeURIComponent(created.event_id)}/qr`)}
            >
              {t('events.fullScreen')}
            </a>
            <a class="button" href={href(`/admin/events/${encodeURIComponent(created.event_id)}`)}>
              {t('common.report')}
            </a>
          </p>
          {created.rotation_seconds === null && <QrText text={created.qr_content} />}
        </div>
      )}
    </section>
  );
}

function EventRow({ event, onChanged }: { event: ListedEvent; onChanged: () => void }) {
  const { busy, error, run } = useAction();
  const path = `/admin/events/${encodeURIComponent(event.event_id)}`;
  const stats = event.statistics;

  const toggle = async () => {
    if (await run(() => api.setEventActive(event.event_id, !event.is_active))) onChanged();
  };
  const remove = async () => {
    if (await run(() => api.deleteEvent(event.event_id))) onChanged();
  };

  return (
    <tr>
      <th scope="row">
        <a href={href(path)}>{event.event_name}</a>
        <div class="hint">{event.event_id}</div>
      </th>
      <td>{formatDate(event.date)}</td>
      <td>
        {formatEventDateTime(event.starts_at)} – {formatEventDateTime(event.expires_at)}
      </td>
      <td>
        {event.rotation_seconds === null
          ? t('events.static')
          : t('events.every', { seconds: event.rotation_seconds })}
      </td>
      <td>{event.is_active ? t('events.active') : t('events.inactive')}</td>
      <td>
        <NetworksCell
          key={(event.allowed_networks ?? []).join()}
          eventId={event.event_id}
          networks={event.allowed_networks}
          onChanged={onChanged}
        />
      </td>
      <td>
        {stats.present_count} / {stats.total_users}
      </td>
      <td class="row-actions">
        <a class="button" href={href(`${path}/qr`)}>
          {t('events.qr')}
        </a>
        <a class="button" href={href(path)}>
          {t('common.report')}
        </a>
        <button type="button" disabled={busy} onClick={() => void toggle()}>
          {event.is_active ? t('events.deactivate') : t('events.activate')}
        </button>
        <DeleteButton
          name={event.event_name}
          confirm={t('events.confirmDelete')}
          busy={busy}
          onDelete={remove}
        />
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}

export function EventsPage() {
  const events = useLoad(() => api.events(), []);
  return (
    <section>
      <PageTitle>{t('events.title')}</PageTitle>
      <CreateEvent onCreated={events.reload} />
      <h2>{t('events.all')}</h2>
      <ErrorBox error={events.error} />
      {events.loading && !events.data && <Notice>{t('common.loading')}</Notice>}
      {events.data && events.data.events.length === 0 && <p>{t('events.none')}</p>}
      {events.data && events.data.events.length > 0 && (
        <TableWrap label={t('events.title')}>
          <table>
            <caption>{t('events.count', { count: events.data.total })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('common.event')}</th>
                <th scope="col">{t('common.date')}</th>
                <th scope="col">{t('events.windowColumn')}</th>
                <th scope="col">{t('events.qr')}</th>
                <th scope="col">{t('events.state')}</th>
                <th scope="col">{t('events.networks')}</th>
                <th scope="col">{t('events.presentListed')}</th>
                <th scope="col">{t('events.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {events.data.events.map((event) => (
                <EventRow key={event.event_id} event={event} onChanged={events.reload} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
