// A command-line tool signing in with the device authorization grant (RFC 8628) on npm openid-client 6.
// Run by tests/Warden.Tests/Oidc/DeviceFlowTests.cs: arguments issuer and a public client's id. It prints
// "DEVICE <verification_uri> <user_code>", polls the token endpoint until the person has approved the code in the
// browser, then prints "OK <json>" with the userinfo's email (or "FAIL <message>" and exits 1).
import * as client from 'openid-client';

const [issuer, clientId] = process.argv.slice(2);
const say = (line) => process.stdout.write(line + '\n');

try {
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
  if (!config.serverMetadata().device_authorization_endpoint) throw new Error('no device_authorization_endpoint in discovery');
  const device = await client.initiateDeviceAuthorization(config, { scope: 'openid email offline_access' });
  say(`DEVICE ${device.verification_uri} ${device.user_code}`);
  const tokens = await client.pollDeviceAuthorizationGrant(config, device);
  const claims = tokens.claims();
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  if (!tokens.refresh_token) throw new Error('no refresh token for offline_access');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  say('OK ' + JSON.stringify({ email: info.email, sub: claims.sub, refreshed: !!refreshed.access_token, interval: device.interval ?? null }));
} catch (e) {
  say(`FAIL ${e.error ?? ''} ${e.message}`);
  process.exit(1);
}
