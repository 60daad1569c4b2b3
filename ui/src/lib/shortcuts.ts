// Single-key shortcuts for the workspace. A page registers what each key does while it is
// open; keys never fire while the agent types in a field, nor with Ctrl, Alt or Meta held,
// so browser and screen-reader shortcuts keep working. `?` lists what the page offers.

export interface Shortcut {
  key: string;
  description: string;
  run: () => void;
}

/** True when the key press belongs to a text field, a menu or an editable element. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Listens for the page's shortcuts until the returned function is called. */
export function bindShortcuts(shortcuts: Shortcut[]): () => void {
  function onKeydown(event: KeyboardEvent) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (isTypingTarget(event.target)) return;

    const shortcut = shortcuts.find((candidate) => candidate.key === event.key);
    if (shortcut === undefined) return;
    event.preventDefault();
    shortcut.run();
  }

  window.addEventListener('keydown', onKeydown);
  return () => window.removeEventListener('keydown', onKeydown);
}
