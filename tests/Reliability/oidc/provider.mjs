// An OpenID provider for the portal's single sign-on test: node provider.mjs, configured by environment variables.
// PORT: loopback port; REDIRECT_URI: the portal's /signin-oidc; CLIENT_ID / CLIENT_SECRET: the portal's client.
// Accounts: any login name; its groups come from GROUPS_<login> (comma-separated), e.g. GROUPS_alice=portal-admins.
// It prints "listening <issuer>" once it accepts connections.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'email', 'groups'],
  // Loopback test provider: its built-in login and consent pages take any login name (no password check).
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['reliability-test-only-cookie-key'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const groups = (process.env[`GROUPS_${id}`] ?? '').split(',').filter((g) => g.length > 0);
        return { sub: id, email: `${id}@idp.test`, email_verified: true, name: id, groups };
      },
    };
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
