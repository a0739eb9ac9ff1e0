/** A status badge: symbol and words, its colour from the status class. */
import { h } from './dom.ts';
import { statusWords, symbolOf } from './format.ts';

/** `<span class="badge s-Failed">✗ Failed</span>`. */
export function badge(status: string): HTMLSpanElement {
  return h('span', { class: `badge s-${status}` }, h('span', { 'aria-hidden': 'true' }, symbolOf(status)), ' ', statusWords(status));
}
