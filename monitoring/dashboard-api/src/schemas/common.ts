import { Type, type TSchema } from 'typebox';

/** The error body of every response (docs/compatibility.md#errors). */
export const ErrorReply = Type.Object(
  { error: Type.String(), code: Type.String(), details: Type.Optional(Type.Unknown()) },
  { description: 'An error: a message and an UPPER_SNAKE code' },
);

export function errorReplies(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorReply]));
}

export const bearerAuth = [{ bearerAuth: [] }];

export const Timestamp = Type.String({
  format: 'date-time',
  examples: ['2025-06-22T10:00:00.000Z'],
});

/** A number the dashboard may not know: null, with the reason in metadata.null_fields. */
export function NullableNumber(description: string) {
  return Type.Union([Type.Number(), Type.Null()], { description });
}

export function NullableInteger(description: string) {
  return Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description });
}

export function NullableString(description: string) {
  return Type.Union([Type.String(), Type.Null()], { description });
}

/** A list the dashboard may not know (null), as opposed to one it knows is empty ([]). */
export function NullableList(item: TSchema, description: string) {
  return Type.Union([Type.Array(item), Type.Null()], { description });
}

/** A percentage, 0-100, rounded to two decimals. */
export function Percentage(description: string) {
  return NullableNumber(`${description} (0-100, two decimals)`);
}

/** An hour of the day, 0-23. */
export const HourOfDay = Type.Integer({ minimum: 0, maximum: 23 });
