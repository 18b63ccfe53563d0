// The sandbox EHR's CDS client identity: an ES384 key pair made at start (rotated on every restart,
// as a key rotation would), its public JWK Set, and the per-call JWT the CDS Hooks spec requires.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const CDS_JWT_ALG = 'ES384';
/** How long a call's JWT is valid (the reference sandbox uses 5 minutes). */
export const CDS_JWT_LIFETIME_S = 300;

export class CdsClientSigner {
  private constructor(
    readonly issuer: string,
    readonly jwksUrl: string,
    readonly kid: string,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {}

  static async create(issuer: string, jwksUrl: string): Promise<CdsClientSigner> {
    const { privateKey, publicKey } = await generateKeyPair(CDS_JWT_ALG);
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: CDS_JWT_ALG, use: 'sig' };
    return new CdsClientSigner(issuer, jwksUrl, kid, privateKey, jwk);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** A fresh JWT for one call to `aud` (the URL of the endpoint being called). */
  sign(aud: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: CDS_JWT_ALG, typ: 'JWT', kid: this.kid, jku: this.jwksUrl })
      .setIssuer(this.issuer)
      .setAudience(aud)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + CDS_JWT_LIFETIME_S)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }
}
