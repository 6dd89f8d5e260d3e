/**
 * The shape every language's catalogue has: the English one's keys, each a string. `it.ts` is
 * checked with `satisfies Catalogue`, so a key missing in Italian, or one only Italian has, is
 * a type error (an object literal's extra keys are refused at every depth).
 */
import type { en } from './en.js';

type Shape<T> = { [Key in keyof T]: T[Key] extends string ? string : Shape<T[Key]> };

export type Catalogue = Shape<typeof en>;
