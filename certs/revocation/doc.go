// Package revocation answers whether a certificate has been revoked by its
// CA, with OCSP and CRLs, for the S/MIME engine (smime.RevocationChecker).
//
// Revocation(cert, issuer) decides in this order:
//
//  1. A cached OCSP answer for the certificate that is verified and still
//     fresh (before its nextUpdate, or within MaxAge of its thisUpdate when
//     it has none).
//  2. A stored CRL of the issuer — fetched or imported — whose signature
//     checks with the issuer, that is not stale and that covers the
//     certificate: good or revoked, with the entry's date and reason.
//  3. Offline (the privacy setting): not checked.
//  4. The certificate names no http OCSP responder and no http CRL
//     distribution point: unknown.
//  5. A fetch for it failed lately: unknown, with that failure's reason.
//  6. Otherwise it asks the CA: OCSP first, then the CRL. With
//     Options.Wait it fetches inline and returns the answer (the command
//     line); without, it queues the fetch for the background worker and
//     says RevChecking, and the OnChange listeners are called when the
//     answer differs from what was last reported (the desk).
//
// An OCSP response counts only when it is signed by the issuer or by a
// responder certificate the issuer gave id-kp-OCSPSigning, is about the
// certificate's serial, and is fresh; anything else is logged and the CRL
// is asked instead. A CRL is fetched once for all the certificates it
// covers (one fetch per URL and issuer at a time, reused until its
// nextUpdate) and kept parsed in memory.
//
// OCSP answers and CRLs are kept in the profile database, so a restart
// answers from them without the network; failures are kept in memory only
// and retried by the background worker every RetryInterval, which calls
// the listeners when the network returns. Imported CRLs (ImportCRL) are
// kept beside the fetched ones and count offline too.
//
// Everything read from the network is bounded: 1 MiB for an OCSP
// response, 32 MiB for a CRL, Options.Timeout per fetch and
// Options.Parallel fetches at once.
package revocation
