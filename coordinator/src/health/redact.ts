/**
 * Secrets of a check stay out of views, logs and error messages: header values are never shown
 * back, and a URL's user information (a Prometheus behind basic auth) becomes an Authorization
 * header before the request and `***` wherever the URL is named.
 */

/** `url` with its user information replaced by `***`, for messages and views. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '***';
    u.password = '';
    return u.href;
  } catch {
    // Not a URL (a template before rendering): hide anything between the scheme and an @.
    return url.replace(/^(https?:\/\/)[^/@\s]*@/, '$1***@');
  }
}

/** `url` without user information, and the Basic Authorization header it stood for. */
export function splitCredentials(url: string): { url: string; authorization?: string } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { url };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return { url: u.href, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** Header values replaced by `***`. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((k) => [k, '***']));
}
