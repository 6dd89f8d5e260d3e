import { createHash } from 'node:crypto';

/** attendance_events.event_id is varchar(100): name part + "-" + YYYY-MM-DD fits well within. */
const MAX_NAME_PART = 80;
const HASH_LENGTH = 10;

// Letters NFKD does not decompose into ASCII.
const LIGATURES: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ł: 'l',
  þ: 'th',
};

function shortHash(text: string): string {
  return createHash('sha256').update(text.normalize('NFC')).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * The name part of an event id. The original lower-cased the name and turned spaces into "-",
 * keeping every other character, which produced ids that broke URLs and the per-event table
 * names (docs/compatibility.md#fix-event-id). Here accents are folded ("Caffè" → "caffe"), every
 * run of other characters becomes one "-", and the result only ever holds [a-z0-9-].
 *
 * A name with nothing foldable (only emoji or CJK, say) and a name longer than the bound get a
 * hash of the full name, so the id stays unique per name and date, as the original's was.
 */
export function eventIdNamePart(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđłþ]/g, (letter) => LIGATURES[letter] ?? '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (folded === '') return `event-${shortHash(name)}`;
  if (folded.length <= MAX_NAME_PART) return folded;
  const head = folded.slice(0, MAX_NAME_PART - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${head}-${shortHash(name)}`;
}

/** The id of the event called `name` on `date` (YYYY-MM-DD). */
export function buildEventId(name: string, date: string): string {
  return `${eventIdNamePart(name)}-${date}`;
}

/**
 * The per-event table name the original derived from an event id. The port keeps one
 * `attendance` table; the scan reply still carries this string for clients that show it.
 */
export function legacyTableName(eventId: string): string {
  return `attendance_${eventId.replaceAll('-', '_')}`;
}
