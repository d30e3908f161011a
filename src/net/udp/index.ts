/** wasmap's UDP scanner: protocol payloads, one-port probes, and a scanner for many. */
export { udpPayload, genericPayload, dnsQuery, dnsVersionBind, mdnsServices, llmnrQuery, ntpRequest, snmpGetRequest, netbiosNodeStatus, ssdpMSearch, memcachedStats, tftpReadRequest, rpcNullCall, mssqlBrowser, PAYLOAD_PORTS, SYS_DESCR_OID } from './payloads.js';
export type { UdpPayload, DnsQuery, SnmpGet } from './payloads.js';
export { udpProbe, MAX_RESPONSE_BYTES } from './probe.js';
export type { UdpHost, UdpProbeOptions, UdpProbeResult } from './probe.js';
export { UdpScanner } from './scanner.js';
export type { UdpScanTarget, UdpScannerOptions } from './scanner.js';
export { readDnsHeader, readDnsFirstTxt, readNtpReply, readSnmpReply, readMemcachedFrame } from './replies.js';
export type { DnsReplyHeader, NtpReply, SnmpReply } from './replies.js';
