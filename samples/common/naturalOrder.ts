/**
 * Natural order for pod and server names: `lab-server-2` before `lab-server-10`.
 *
 * The collator is made on first use: constructing an Intl.Collator loads ICU data (~6 ms), which
 * would otherwise be paid by every importer at load time — the extension's activation included.
 */
let collator: Intl.Collator | undefined;

export function naturalCompare(a: string, b: string): number {
  collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  return collator.compare(a, b);
}
