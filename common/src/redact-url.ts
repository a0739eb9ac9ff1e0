/**
 * URLs as they may be shown or logged: without the user name and password, and without query
 * values (a pre-signed URL's signature is a credential); the names of query parameters stay, so
 * the URL is still recognisable.
 */

/** `url` without credentials or query values; `[unparseable]` when it is not a URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const key of [...new Set(u.searchParams.keys())]) u.searchParams.set(key, 'redacted');
    return u.toString();
  } catch {
    // Not a URL: nothing of it is worth showing.
    return '[unparseable]';
  }
}
