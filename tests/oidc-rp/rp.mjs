// An independent relying party for Warden's OpenID Connect provider, on npm openid-client 6 (tests/package.json).
// Run by tests/Warden.Tests/Oidc/RelyingPartyTests.cs: arguments issuer, client id, client secret, redirect URI and
// post-logout URI. It prints "AUTHORIZE <url>", reads the callback URL the browser reached from stdin, then runs the
// rest of the flows and prints "ENDSESSION <url>" and finally "OK <json>" (or "FAIL <message>" and exits 1).
import * as client from 'openid-client';
import { createInterface } from 'node:readline';

const [issuer, clientId, clientSecret, redirectUri, postLogoutUri] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (line) => process.stdout.write(line + '\n');

async function expectFailure(what, promise, error) {
  try {
    await promise;
  } catch (e) {
    if (error && e.error !== error) throw new Error(`${what}: expected ${error}, got ${e.error ?? e.message}`);
    return;
  }
  throw new Error(`${what}: succeeded but must fail`);
}

try {
  const config = await client.discovery(new URL(issuer), clientId, { redirect_uris: [redirectUri] },
    client.ClientSecretPost(clientSecret), { execute: [client.allowInsecureRequests] });
  const metadata = config.serverMetadata();
  if (metadata.issuer !== issuer) throw new Error(`issuer ${metadata.issuer} is not ${issuer}`);
  if (metadata.code_challenge_methods_supported?.join() !== 'S256') throw new Error('PKCE methods other than S256 are advertised');

  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authorize = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile email roles offline_access warden', nonce, state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  say('AUTHORIZE ' + authorize.href);
  const callback = (await lines.next()).value;

  // Validates the id token: iss, aud, exp, iat, nonce, at_hash (openid-client checks at_hash when present), and sub.
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true });
  const claims = tokens.claims();
  if (!claims.sid || !claims.auth_time || !claims.acr || !claims.at_hash) throw new Error('the id token lacks sid, auth_time, acr or at_hash');
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);

  const rotated = await client.refreshTokenGrant(config, tokens.refresh_token);
  if (rotated.refresh_token === tokens.refresh_token) throw new Error('the refresh token was not rotated');
  await expectFailure('reusing a spent refresh token', client.refreshTokenGrant(config, tokens.refresh_token), 'invalid_grant');
  await expectFailure('the grant after reuse', client.refreshTokenGrant(config, rotated.refresh_token), 'invalid_grant');

  const service = await client.clientCredentialsGrant(config, { scope: 'warden' });
  const active = await client.tokenIntrospection(config, service.access_token);
  if (!active.active) throw new Error('a fresh client-credentials token is not active');
  await client.tokenRevocation(config, service.access_token);
  const revoked = await client.tokenIntrospection(config, service.access_token);
  if (revoked.active) throw new Error('a revoked token is still active');

  // A new grant to end the session with (the one above was revoked by the reuse).
  const second = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid', nonce, state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  say('AUTHORIZE ' + second.href);
  const secondTokens = await client.authorizationCodeGrant(config, new URL((await lines.next()).value), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true });
  say('ENDSESSION ' + client.buildEndSessionUrl(config, { id_token_hint: secondTokens.id_token, post_logout_redirect_uri: postLogoutUri, state: 'bye' }).href);
  say('OK ' + JSON.stringify({ sub: claims.sub, sid: claims.sid, email: userinfo.email, iss: claims.iss }));
  process.exit(0);
} catch (e) {
  say('FAIL ' + (e.error ? `${e.error}: ${e.error_description ?? ''}` : '') + (e.stack ?? e.message ?? String(e)).replaceAll('\n', ' | '));
  process.exit(1);
}
