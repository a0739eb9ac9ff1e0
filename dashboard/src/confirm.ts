/**
 * Asking before acting: a modal <dialog> (focus moves into it, Escape cancels, focus returns to
 * the button that opened it) that says what will happen, with Cancel as the default.
 */
import { h } from './dom.ts';

/** Resolves true when the user confirms `question`. */
export function confirmAction(title: string, question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const opener = document.activeElement as HTMLElement | null;
    const cancel = h('button', { type: 'button', class: 'secondary', autofocus: true }, 'Cancel');
    const ok = h('button', { type: 'button', class: 'danger' }, confirmLabel);
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' }, h('h2', { id: 'confirm-title' }, title), h('p', { id: 'confirm-text' }, question), h('div', { class: 'buttons' }, cancel, ok));
    const done = (answer: boolean): void => {
      dialog.close();
      dialog.remove();
      opener?.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
