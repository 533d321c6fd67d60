import { isMap, parseDocument } from 'yaml';
import type { ProviderEndpoints } from './types';

/*
 * Seed 002 has the operator edit the RAML's OAuth 2.0 security scheme by hand so that its
 * `authorizationUri` and `accessTokenUri` point at the tenant's authorization server. The project
 * publishes the RAML itself, so it writes them from the server's metadata instead. RAML 1.0 is YAML
 * (its `#%RAML 1.0` first line is a YAML comment), so a YAML document edit keeps the rest as written.
 */

export interface FilledRaml {
  text: string;
  /** The security schemes whose URLs were written, e.g. `oauth_2_0`. */
  schemes: string[];
}

/** Writes the authorize and token URLs into every `type: OAuth 2.0` security scheme of the RAML. */
export function withAuthorizationServerUrls(raml: string, endpoints: Pick<ProviderEndpoints, 'authorize' | 'token'>): FilledRaml {
  const doc = parseDocument(raml);
  const schemes = doc.get('securitySchemes');
  if (!isMap(schemes)) return { text: raml, schemes: [] };
  const filled: string[] = [];
  for (const pair of schemes.items) {
    const name = String((pair.key as { value?: unknown })?.value ?? pair.key);
    if (!isMap(pair.value) || pair.value.get('type') !== 'OAuth 2.0') continue;
    doc.setIn(['securitySchemes', name, 'settings', 'authorizationUri'], endpoints.authorize);
    doc.setIn(['securitySchemes', name, 'settings', 'accessTokenUri'], endpoints.token);
    filled.push(name);
  }
  if (filled.length === 0) return { text: raml, schemes: [] };
  return { text: doc.toString({ flowCollectionPadding: false, lineWidth: 0 }), schemes: filled };
}
