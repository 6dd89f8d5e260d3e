/** Progress lines of the import, on stdout; the report follows them. */
export function log(text: string): void {
  process.stdout.write(`import-original: ${text}\n`);
}
