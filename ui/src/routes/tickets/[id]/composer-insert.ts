// Puts text into the ticket page's composer as typing would. The composer owns its draft;
// going through its textarea keeps the draft, typing presence and conflict tracking exactly
// as if the agent had typed. A macro or a KB link speaks to the requester, so it switches
// the composer to a public reply first.

/** Switches the composer to a public reply (a no-op when it is one already). */
export function choosePublicReply(): void {
  const reply = document.getElementById('composer-mode-reply');
  if (reply instanceof HTMLInputElement && !reply.checked) reply.click();
}

/** Switches the composer to an internal note. */
export function chooseInternalNote(): void {
  const note = document.getElementById('composer-mode-note');
  if (note instanceof HTMLInputElement && !note.checked) note.click();
}

/** Inserts `text` at the composer's cursor on a line of its own, and focuses the composer. */
export function insertIntoComposer(text: string): void {
  const box = document.getElementById('composer-body');
  if (!(box instanceof HTMLTextAreaElement)) return;
  const before = box.value.slice(0, box.selectionStart);
  const spacer = before === '' || before.endsWith('\n') ? '' : '\n';
  box.setRangeText(`${spacer}${text}\n`, box.selectionStart, box.selectionEnd, 'end');
  box.dispatchEvent(new Event('input', { bubbles: true }));
  box.focus();
}

/** Moves focus to the composer, e.g. for the `r` and `n` shortcuts. */
export function focusComposer(): void {
  document.getElementById('composer-body')?.focus();
}
