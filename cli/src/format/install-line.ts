/**
 * The one line that installs an agent, as `deckhand tokens create --install-line` prints it.
 * With a coordinator CA (--tls auto) the first download is itself checked: the CA certificate is
 * fetched, its fingerprint compared with the pin (with coreutils only), and install.sh fetched
 * with curl trusting that CA alone; the installer then pins it for the agent.
 */

/** Single-quotes a word for sh. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The Linux install line for `url` and `token`, pinned to `caSha256` when given. */
export function linuxInstallLine(url: string, token: string, caSha256: string | undefined): string {
  const args = `--token ${shellQuote(token)}`;
  if (caSha256 === undefined) return `curl -fsSL ${url}/install.sh | sudo sh -s -- ${args}`;
  const ca = '/tmp/deckhand-ca.pem';
  const check = `[ "$(sed '/-----/d' ${ca} | base64 -d | sha256sum | cut -d' ' -f1)" = ${caSha256} ]`;
  return `curl -fsSLk ${url}/v1/tls/ca.pem -o ${ca} && ${check} && curl -fsSL --cacert ${ca} ${url}/install.sh | sudo sh -s -- ${args} --ca-sha256 ${caSha256}`;
}

/** The Windows install line (elevated PowerShell). */
export function windowsInstallLine(url: string, token: string, caSha256: string | undefined): string {
  const pin = caSha256 === undefined ? '' : ` -CaSha256 ${caSha256}`;
  return `& ([scriptblock]::Create((irm ${url}/install.ps1))) -Token '${token.replaceAll("'", "''")}'${pin}`;
}
