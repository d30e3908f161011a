// The NTSTATUS codes (MS-ERREF §2.3.1) an unauthenticated SMB client meets.

export function ntStatusName(code: u32): string {
  switch (code) {
    case 0x00000000: return "STATUS_SUCCESS";
    case 0xc0000016: return "STATUS_MORE_PROCESSING_REQUIRED";
    case 0x80000005: return "STATUS_BUFFER_OVERFLOW";
    case 0xc0000022: return "STATUS_ACCESS_DENIED";
    case 0xc000006d: return "STATUS_LOGON_FAILURE";
    case 0xc000006e: return "STATUS_ACCOUNT_RESTRICTION";
    case 0xc00000bb: return "STATUS_NOT_SUPPORTED";
    case 0xc00000cc: return "STATUS_BAD_NETWORK_NAME";
    case 0xc0000034: return "STATUS_OBJECT_NAME_NOT_FOUND";
    case 0xc000000d: return "STATUS_INVALID_PARAMETER";
    case 0xc0000002: return "STATUS_NOT_IMPLEMENTED";
    case 0xc0000203: return "STATUS_USER_SESSION_DELETED";
    case 0xc000015b: return "STATUS_LOGON_TYPE_NOT_GRANTED";
    case 0xc0000225: return "STATUS_NOT_FOUND";
    default: return "NTSTATUS 0x" + code.toString(16).padStart(8, "0");
  }
}
