// SPNEGO (RFC 4178) around NTLMSSP, as SMB's SESSION_SETUP carries it: a
// negTokenInit offering only NTLMSSP with the NEGOTIATE as its mechToken,
// then a negTokenResp with the AUTHENTICATE. The server's tokens are not
// parsed as DER: the NTLMSSP message inside is found by its signature.
import { berSeq, berTlv } from "@wasmap/sdk-assemblyscript";

/** 1.3.6.1.5.5.2 (SPNEGO) and 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), encoded. */
const SPNEGO_OID: u8[] = [0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
const NTLMSSP_OID: u8[] = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];

function bytes(a: u8[]): Uint8Array {
  const b = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) b[i] = a[i];
  return b;
}

/** GSS-API InitialContextToken: [APPLICATION 0] { SPNEGO OID, [0] NegTokenInit { [0] mechTypes, [2] mechToken } }. */
export function negTokenInit(ntlm: Uint8Array): Uint8Array {
  const mechTypes = berTlv(0xa0, berSeq([bytes(NTLMSSP_OID)]));
  const mechToken = berTlv(0xa2, berTlv(0x04, ntlm));
  return berSeq([bytes(SPNEGO_OID), berTlv(0xa0, berSeq([mechTypes, mechToken]))], 0x60);
}

/** [1] NegTokenResp { [2] responseToken }. */
export function negTokenResp(ntlm: Uint8Array): Uint8Array {
  return berTlv(0xa1, berSeq([berTlv(0xa2, berTlv(0x04, ntlm))]));
}
