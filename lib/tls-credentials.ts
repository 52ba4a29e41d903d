// TLS for remote predict channels. Credentials live in the op library's
// process-wide registry (op attributes cannot carry secrets); calls refer to
// them by id, graphs by the address they dial.
import { createPrivateKey, X509Certificate } from 'node:crypto';

import { native } from './native';
import { checkTargetAddress } from './options';
import { describe } from './tensor';

export interface TlsCredentials {
  /** PEM root certificates to trust; default: the system's. */
  rootCertificates?: string | Uint8Array;
  /** PEM private key of a client certificate (mutual TLS); needs `certificateChain`. */
  privateKey?: string | Uint8Array;
  /** PEM client certificate chain (mutual TLS); needs `privateKey`. */
  certificateChain?: string | Uint8Array;
}

const KNOWN: readonly (keyof TlsCredentials)[] = ['rootCertificates', 'privateKey', 'certificateChain'];
const ids = new WeakMap<object, number>();

function pem(value: unknown, name: string): string {
  if (value === undefined) return '';
  const text =
    typeof value === 'string'
      ? value
      : value instanceof Uint8Array
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')
        : undefined;
  if (text === undefined) throw new TypeError(`${name} must be a PEM string or Uint8Array, got ${describe(value)}`);
  if (!text.includes('-----BEGIN '))
    throw new TypeError(`${name} must be PEM-encoded (-----BEGIN ...), got ${describe(value)}`);
  return text;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Parses PEM certificates (one or more) now, so that unusable material is a
 * TypeError naming the option instead of a failed handshake on every call.
 */
function checkCertificates(text: string, name: string): void {
  if (text === '') return;
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new TypeError(`${name} holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)`);
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (cause) {
      throw new TypeError(
        `${name}: certificate ${i + 1} of ${blocks.length} cannot be parsed: ${(cause as Error).message}`,
        { cause },
      );
    }
  });
}

function checkPrivateKey(text: string, name: string): void {
  if (text === '') return;
  try {
    createPrivateKey(text);
  } catch (cause) {
    throw new TypeError(`${name} is not a usable PEM private key: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Validates credentials and registers them (once per object); returns their
 * id, or 0 for undefined (plaintext). `{}` means TLS with the system's roots.
 */
export function tlsCredentialsId(value: unknown, name = 'credentials'): number {
  if (value === undefined) return 0;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${name} must be an object { rootCertificates?, privateKey?, certificateChain? }, got ${describe(value)}`,
    );
  }
  const known = ids.get(value);
  if (known !== undefined) return known;
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(KNOWN as readonly string[]).includes(key)) {
      throw new TypeError(`${name} has an unknown option '${key}'; known options are ${KNOWN.join(', ')}`);
    }
  }
  const roots = pem(o.rootCertificates, `${name}.rootCertificates`);
  const key = pem(o.privateKey, `${name}.privateKey`);
  const chain = pem(o.certificateChain, `${name}.certificateChain`);
  checkCertificates(roots, `${name}.rootCertificates`);
  checkPrivateKey(key, `${name}.privateKey`);
  checkCertificates(chain, `${name}.certificateChain`);
  if ((key === '') !== (chain === '')) {
    throw new TypeError(
      `${name}.privateKey and ${name}.certificateChain go together (mutual TLS): give both or neither`,
    );
  }
  const id = native.registerTlsCredentials(roots, key, chain);
  ids.set(value, id);
  return id;
}

/**
 * Process-wide: remote predict ops that dial `targetAddress` (after target
 * overrides), in any graph of this process, use TLS with these credentials
 * from the next kernel created on; `null` makes that target plaintext again.
 * This is how SavedModels get TLS, since their op attributes hold no secrets.
 */
export function setTargetCredentials(targetAddress: string, credentials: TlsCredentials | null): void {
  checkTargetAddress(targetAddress);
  native.setTargetTlsCredentials(targetAddress, credentials === null ? 0 : tlsCredentialsId(credentials));
}
