import { useEffect, useState } from 'preact/hooks';
import { useLiveAttendance } from '../../live/use-live.js';
import type { AttendanceStatus, AttendanceUser } from '../../api/types.js';
import { ATTENDANCE_STATUSES, statusLabel } from '../../components/labels.js';
import { api } from '../../context.js';
import {
  ErrorBox,
  Field,
  formatDate,
  formatEventDateTime,
  Notice,
  PageTitle,
  TableWrap,
  useAction,
  useLoad,
} from '../../components/ui.js';
import { href } from '../../router.js';
import { t } from '../../i18n/i18n.js';
import { formatRate } from '../../i18n/format.js';

function StatusSelect(props: {
  id?: string;
  value: AttendanceStatus;
  onChange: (status: AttendanceStatus) => void;
  label?: string;
}) {
  return (
    <select
      id={props.id}
      aria-label={props.label}
      value={props.value}
      onChange={(e) => {
        props.onChange(e.currentTarget.value as AttendanceStatus);
      }}
    >
      {ATTENDANCE_STATUSES.map((status) => (
        <option key={status} value={status}>
          {statusLabel(status)}
        </option>
      ))}
    </select>
  );
}

function AttendanceRow(props: { eventId: string; user: AttendanceUser; onSaved: () => void }) {
  const { user } = props;
  const [status, setStatus] = useState<AttendanceStatus>(user.status);
  const [reason, setReason] = useState(user.motivazione ?? '');
  const { busy, error, message, run } = useAction();
  const who = `${user.name} ${user.surname}`;

  const save = async (event: Event) => {
    event.preventDefault();
    const reply = await run(
      () =>
        api.setStatus(props.eventId, user.user_id, status, reason.trim() === '' ? null : reason),
      () => t('report.saved', { status: statusLabel(status) }),
    );
    if (reply) props.onSaved();
  };

  return (
    <tr>
      <th scope="row">
        {who}
        <div class="hint">{t('common.idOf', { id: user.user_id })}</div>
      </th>
      <td>{statusLabel(user.status)}</td>
      <td>{formatEventDateTime(user.scanned_at)}</td>
      <td>
        <form
          class="row-form"
          onSubmit={(e) => void save(e)}
          aria-label={t('report.statusOf', { who })}
        >
          <StatusSelect
            value={status}
            onChange={setStatus}
            label={t('report.newStatusFor', { who })}
          />
          <input
            type="text"
            aria-label={t('report.reasonFor', { who })}
            placeholder={t('report.reasonPlaceholder')}
            maxLength={2000}
            value={reason}
            onInput={(e) => {
              setReason(e.currentTarget.value);
            }}
          />
          <button type="submit" disabled={busy}>
            {t('common.save')}
          </button>
          <ErrorBox error={error} />
          <Notice>{message}</Notice>
        </form>
      </td>
      <td>{formatEventDateTime(user.updated_at)}</td>
    </tr>
  );
}

function SetOtherUser({ eventId, onSaved }: { eventId: string; onSaved: () => void }) {
  const [userId, setUserId] = useState('');
  const [status, setStatus] = useState<AttendanceStatus>('not_registered');
  const [reason, setReason] = useState('');
  const { busy, error, message, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const reply = await run(
      () => api.setStatus(eventId, Number(userId), status, reason.trim() === '' ? null : reason),
      (r) =>
        t('report.savedFor', {
          who: `${r.user.name} ${r.user.surname}`,
          status: statusLabel(status),
        }),
    );
    if (reply) onSaved();
  };
  return (
    <details class="card">
      <summary>{t('report.other')}</summary>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <Field label={t('common.userId')} hint={t('report.otherHint')}>
          {(a) => (
            <input
              {...a}
              name="user_id"
              type="number"
              min={1}
              required
              value={userId}
              onInput={(e) => {
                setUserId(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <Field label={t('common.status')}>
          {(a) => <StatusSelect id={a.id} value={status} onChange={setStatus} />}
        </Field>
        <Field label={t('report.reasonPlaceholder')}>
          {(a) => (
            <input
              {...a}
              name="motivazione"
              type="text"
              maxLength={2000}
              value={reason}
              onInput={(e) => {
                setReason(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <ErrorBox error={error} />
        <Notice>{message}</Notice>
        <button type="submit" disabled={busy}>
          {t('report.setStatus')}
        </button>
      </form>
    </details>
  );
}

/** Saves a Blob under a name, through a temporary link (no new window, no other origin). */
export function saveFile(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

export function EventReportPage({ eventId }: { eventId: string }) {
  const report = useLoad(() => api.eventReport(eventId), [eventId]);
  // A check-in or status change anywhere reloads the report in place (a burst, once).
  const live = useLiveAttendance(eventId);
  const { reload } = report;
  useEffect(() => {
    if (live.changes === 0) return;
    const timer = setTimeout(reload, 300);
    return () => {
      clearTimeout(timer);
    };
  }, [live.changes, reload]);
  const download = useAction();
  const data = report.data;

  const exportCsv = async () => {
    const file = await download.run(
      () => api.exportCsv(eventId),
      (f) => t('common.downloaded', { file: f.filename ?? t('report.csv') }),
    );
    if (file) saveFile(file.blob, file.filename ?? `attendance-${eventId}.csv`);
  };

  return (
    <section>
      <PageTitle>
        {data ? t('report.title', { name: data.event_name }) : t('report.untitled')}
      </PageTitle>
      <p class="actions">
        <a class="button" href={href('/admin/events')}>
          {t('common.backToEvents')}
        </a>
        <a class="button" href={href(`/admin/events/${encodeURIComponent(eventId)}/qr`)}>
          {t('report.showQr')}
        </a>
        <button
          type="button"
          class="primary"
          disabled={download.busy}
          onClick={() => void exportCsv()}
        >
          {t('common.downloadCsv')}
        </button>
      </p>
      <ErrorBox error={download.error} />
      <Notice>{download.message}</Notice>
      <ErrorBox error={report.error} />
      {report.loading && !data && <Notice>{t('common.loading')}</Notice>}
      {data && (
        <>
          <dl class="facts">
            <dt>{t('report.eventId')}</dt>
            <dd>{data.event_id}</dd>
            <dt>{t('common.date')}</dt>
            <dd>{formatDate(data.event_date)}</dd>
            <dt>{t('report.present')}</dt>
            <dd>
              {t('report.presentOf', {
                present: data.statistics.present_count,
                total: data.statistics.total_users,
                rate: formatRate(data.statistics.attendance_rate),
              })}
            </dd>
            <dt>{t('report.scannedQr')}</dt>
            <dd>{data.qr_scanners}</dd>
            <dt>{t('report.byStatus')}</dt>
            <dd>
              {ATTENDANCE_STATUSES.filter((s) => (data.statistics.status_breakdown[s] ?? 0) > 0)
                .map((s) => `${statusLabel(s)}: ${String(data.statistics.status_breakdown[s])}`)
                .join(', ') || t('report.noneYet')}
            </dd>
          </dl>
          {data.users.length === 0 ? (
            <p>{t('report.nobody')}</p>
          ) : (
            <TableWrap label={t('report.attendance')}>
              <table>
                <caption>{t('report.caption', { n: data.total_users })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('report.person')}</th>
                    <th scope="col">{t('common.status')}</th>
                    <th scope="col">{t('common.scanned')}</th>
                    <th scope="col">{t('report.changeStatus')}</th>
                    <th scope="col">{t('report.lastChange')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.users.map((user) => (
                    <AttendanceRow
                      key={user.user_id}
                      eventId={data.event_id}
                      user={user}
                      onSaved={report.reload}
                    />
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <SetOtherUser eventId={data.event_id} onSaved={report.reload} />
        </>
      )}
    </section>
  );
}
