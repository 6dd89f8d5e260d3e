import { useState } from 'preact/hooks';
import type { GeneratedEvent, ListedEvent } from '../../api/types.js';
import { api } from '../../context.js';
import {
  count,
  DeleteButton,
  ErrorBox,
  Field,
  formatDate,
  formatDateTime,
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
      (r) => r.message,
    );
    if (reply) {
      setCreated(reply);
      setName('');
      onCreated();
    }
  };

  return (
    <section class="card" aria-labelledby="create-heading">
      <h2 id="create-heading">New event</h2>
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label="Event name">
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
        <Field label="Date">
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
          <label for="rotating">
            Rotating QR code (a new code every few seconds; screenshots stop working)
          </label>
        </div>
        {rotating && (
          <Field label="Seconds between codes" hint="10 to 86400.">
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
          <summary>Check-in window (optional)</summary>
          <p class="hint">By default check-in is open for the whole event day.</p>
          <Field label="Check-in opens">
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
          <Field label="Check-in closes">
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
          {busy ? 'Creating…' : 'Create event'}
        </button>
      </form>
      {created && (
        <div class="created">
          <Notice>
            {message}: {created.event_name} ({created.event_id})
          </Notice>
          <img
            class="qr-preview"
            src={created.check_in_qr_image_base64}
            width={256}
            height={256}
            alt={`QR code for ${created.event_name}`}
          />
          <p class="actions">
            <a
              class="button primary"
              href={href(`/admin/events/${encodeURIComponent(created.event_id)}/qr`)}
            >
              Show the QR full screen
            </a>
            <a class="button" href={href(`/admin/events/${encodeURIComponent(created.event_id)}`)}>
              Report
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
        {formatDateTime(event.starts_at)} – {formatDateTime(event.expires_at)}
      </td>
      <td>
        {event.rotation_seconds === null ? 'Static' : `Every ${String(event.rotation_seconds)} s`}
      </td>
      <td>{event.is_active ? 'Active' : 'Inactive'}</td>
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
          QR
        </a>
        <a class="button" href={href(path)}>
          Report
        </a>
        <button type="button" disabled={busy} onClick={() => void toggle()}>
          {event.is_active ? 'Deactivate' : 'Activate'}
        </button>
        <DeleteButton
          name={event.event_name}
          confirm="Yes, delete it and its attendance"
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
      <PageTitle>Events</PageTitle>
      <CreateEvent onCreated={events.reload} />
      <h2>All events</h2>
      <ErrorBox error={events.error} />
      {events.loading && !events.data && <Notice>Loading…</Notice>}
      {events.data && events.data.events.length === 0 && <p>No events yet.</p>}
      {events.data && events.data.events.length > 0 && (
        <TableWrap label="Events">
          <table>
            <caption>{count(events.data.total, 'event')}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Date</th>
                <th scope="col">Check-in window</th>
                <th scope="col">QR</th>
                <th scope="col">State</th>
                <th scope="col">Networks</th>
                <th scope="col">Present / listed</th>
                <th scope="col">Actions</th>
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
