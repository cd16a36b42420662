// Package feed reads indicator sources into a [match.Builder].
//
// # Model
//
// A source is a file or stream in one of the formats that feeds are
// published in. A parser turns it into a sequence of [match.Indicator]
// values, each carrying the source's metadata; a line or entry it cannot
// use becomes a [*LineError] naming the file and line, and parsing goes on.
// [Load] feeds the sequence to a Builder, which validates and normalises
// each value, and returns a [Report]: indicators read, indicators added by
// kind, lines and entries skipped by reason.
//
//	file ──► Detect ──► parser ──► Indicator ──► Filter ──► match.Builder.Add
//	                       │                       │              │
//	                       └── *LineError ◄────────┴──────────────┘  (file:line, reason)
//
// A line (or a JSON object) is loaded whole or not at all: nothing is
// loaded half-parsed. An entry sift cannot represent is reported as skipped
// with the reason ([ErrSkipped]), never dropped silently. A source that
// yields no indicator is an error ([ErrEmpty]). [LoadFile] detects the
// format ([Detect]; [ParseFormat] reads a user's --format), decompresses
// gzip, and reads a directory (or its manifest.json) as a MISP feed.
//
// # Formats
//
// How each format maps onto indicators; what a format leaves unsaid comes
// from [Source] (Action, Meta, Kind).
//
//   - list: one value a line, its kind from its shape ([match.KindOf]) or a
//     prefix ("domain:", "url:", "ip:", "hash:", "ua:", "pattern:",
//     "ipattern:", "hex:"); '#', ';', '!' comments; md5sum output
//     ("digest  file", the file name as description); maltrail's
//     "address:port" and Suricata/Snort rules skipped (see below).
//   - hosts: "ADDRESS name…", every name a domain whatever the address;
//     localhost and its kin skipped.
//   - rpz: QNAME triggers are domains ("*.x" subdomains only; an exact "x"
//     also matches subdomains: sift has no exact-host kind), rpz-ip
//     triggers IPs or CIDRs; CNAME ".", "*.", rpz-drop, walled gardens and
//     local data block, rpz-passthru is allow; rpz-nsdname, rpz-nsip,
//     rpz-client-ip and rpz-tcp-only skipped; SOA/NS/$TTL/$ORIGIN are zone
//     plumbing.
//   - dnsmasq: address=/a/b/… and server=/a/ or local=/a/ without an
//     upstream are domains; server lines with an upstream forward, and are
//     skipped with other options.
//   - adblock: "||host^" a domain (or IP), "||host/path" and "|http://…|"
//     URLs, a bare host a domain; type options ($all, $document, $script,
//     $third-party, $important, …) dropped (the host is bad on every
//     request); other options ($domain=, $redirect=, …), @@ exceptions,
//     cosmetic rules, regular expressions and wildcards skipped.
//   - maltrail: domains, IPs, CIDRs and URLs; category the file's family
//     (its base name), tag its folder (malware, malicious, suspicious),
//     reference the "# Reference:" line before the trails (the first of a
//     group of them), description an inline "# comment" or ",label"
//     (worst_asns); "address:port", host-less URL paths ("/gate.php") and
//     regular expressions skipped; in ua.txt (or with Source.Kind
//     KindUserAgent) literal regular expressions become User-Agent
//     substrings, the others are skipped.
//   - csv: the value column found by header (ioc_value, ioc, indicator,
//     value, url, host (+path), dst_ip, ip_address, ip, domain, hostname,
//     sha256_hash, sha1_hash, md5_hash, ja3_md5 as JA3, …) or by
//     Source.Columns; further hash columns of a row are indicators too
//     (MalwareBazaar); category from malware_printable, malware, threat,
//     threat_type, Listingreason (SSLBL) or category; PhishTank rows are
//     category "phishing" with target as tag "target:X"; first/last seen,
//     reference (urlhaus_link, phish_detail_url, reference), description,
//     tags, confidence, port as tag "port:N", status as "status:X";
//     ThreatFox ioc_type ip:port is the address with a "port:N" tag. The
//     header may be the last '#' comment (SSLBL); the separator is sniffed.
//   - json: JSON lines (streamed) or a document (array, objects, or an
//     object with "data"/"results"/"items"/"indicators"/"iocs"); each
//     object's value under its first known key with a value (the CSV columns, and
//     email, ipv4, ipv6, userAgent as User-Agent) or Source.Columns.Value,
//     metadata as for CSV (Feodo Tracker: malware category, first_seen,
//     last_online as last seen, port and status tags); strings in an array
//     are values; a leading dot of a domain (Suricata dotprefix) is dropped.
//   - stix: indicator objects with pattern_type stix (or none: STIX 2.0);
//     [domain-name:value = …] domain, [url:value = …] URL,
//     [ipv4-addr:value = …] and ipv6-addr IP or CIDR (also ISSUBSET),
//     [file:hashes.'SHA-256'|MD5|'SHA-1' = …] hashes, [email-addr:value =
//     …] e-mail; IN lists and OR of comparisons and of observations yield
//     one indicator each; AND inside one observation only when every
//     comparison is about one file and some are hashes (the hashes load).
//     Skipped with the reason: AND/FOLLOWEDBY across observations,
//     qualifiers (WITHIN, REPEATS, START/STOP), NOT, LIKE, MATCHES,
//     EXISTS, other object paths (process:name, file:name, email-message,
//     x509-certificate, …), other pattern types (snort, yara, sigma),
//     revoked indicators ("revoked"). Metadata: description the name,
//     confidence, first seen valid_from, expiry valid_until, tags the
//     indicator_types and labels, category the name of what the indicator
//     "indicates" (malware, threat actor, campaign) or else
//     indicator_types[0] or labels[0], reference the first external
//     reference URL, source the name of the created_by_ref identity.
//   - misp: attributes with to_ids set (all, with Source.AllAttributes) of
//     types domain, hostname (domain), url, ip-src, ip-dst (IP or CIDR),
//     ip-src|port, ip-dst|port, hostname|port (the address or host with a
//     "port:N" tag: MISP's attribute is the address, the port context),
//     domain|ip (both), md5, sha1, sha256, filename|md5|sha1|sha256, email,
//     email-src, email-dst, email-reply-to, user-agent, ja3-fingerprint-md5,
//     in the event and in its objects; other types (sha512, ssdeep, tlsh,
//     imphash, regkey, filename, text, …), deleted attributes and those
//     without to_ids are skipped with the reason. Source Orgc.name,
//     severity threat_level_id (1 high, 2 medium, 3 low, 4 unknown),
//     category the first threat-naming galaxy cluster of the event's tags
//     (threat-actor, malpedia, mitre-intrusion-set, ransomware, tool, …)
//     or else the event info, description the info and the attribute's
//     comment, tags the event's and the attribute's tags, reference the
//     event's first link attribute, first seen the attribute's first_seen
//     or the event date, last seen its last_seen. A feed directory is
//     manifest.json and the <uuid>.json events it lists; hashes.csv (MISP's
//     cache of value digests) is not read, and refused when loaded alone.
//   - warninglist: MISP warninglists load as allow indicators (Source.Action
//     overrides): cidr as IPs and CIDRs, hostname as domains (leading dot
//     dropped: the domain and its subdomains), string by shape (a host name
//     becomes a domain, which also matches subdomains), within the kinds
//     matching_attributes name; substring and regex entries skipped. Source
//     the list's name, category its category, description its description.
//     For exact, build-time dropping use a [Filter] instead.
//   - zeek: Intel files; Intel::ADDR IP (CIDR when it has a prefix),
//     SUBNET CIDR, DOMAIN domain, URL URL, EMAIL e-mail, FILE_HASH the hash
//     kind of its length, JA3 JA3; SOFTWARE skipped (Zeek matches it
//     exactly against software names and whole User-Agent headers; a
//     User-Agent substring would widen it), USER_NAME, CERT_HASH,
//     PUBKEY_HASH, FILE_NAME skipped. Source meta.source, description
//     meta.desc, reference meta.url, meta.whitelist=T allow; CIF extension
//     fields (meta.cif_confidence, meta.cif_tags, first/last seen) when
//     present. A Zeek log that is not an intel file is refused.
//   - suricata: dataset and datarep files; addresses IPs, 32 or 64 hex
//     digits MD5 or SHA-256, else base64 strings, decoded, as byte patterns
//     ("hex:" and the bytes) or values of Source.Kind; a datarep
//     reputation is the tag "rep:N". Suricata and Snort rule files are not
//     sources: what a rule matches depends on its buffers, modifiers and
//     other conditions, which no indicator carries, so each rule is
//     skipped with that reason.
//   - loki: "value;comment" or "value;score;comment": hashes, domains, IPs,
//     URLs by shape, spaced hex bytes ("4D 5A 90") as byte patterns;
//     description the comment (or the comment block before a group of bare
//     values), reference its first URL, severity from the score (100 and
//     more high, 60 medium, else low).
//   - yara: the literal strings of rules whose condition is a disjunction
//     of their strings (any of them, 1 of ($a*), $a or $b): hex strings
//     without wildcards, jumps or alternatives, and text strings with no
//     modifier but ascii and wide, as byte patterns ("hex:" and the bytes;
//     wide as UTF-16LE); category the rule name, description and reference
//     from its meta, severity from a meta score, tags its tags. Rules whose
//     condition needs several strings at once or looks at the file
//     (filesize, uint16(0), offsets, modules), rules without strings,
//     global rules, regular expressions, non-literal hex strings and text
//     strings with nocase, fullword, xor or base64 are skipped with the
//     reason.
//   - set, snapshot: a compiled [match.Set], bare or in a snapshot, its
//     indicators re-added.
//
// Kinds: e-mail addresses are [match.KindEmail], JA3 fingerprints
// [match.KindJA3] (SSLBL CSV, MISP ja3-fingerprint-md5, Zeek Intel::JA3),
// User-Agent strings [match.KindUserAgent] (the literal text), byte
// patterns [match.KindPattern] with the value "hex:" and lower-case hex.
//
// Ports: an address with a port is loaded as the address with a "port:N"
// tag when the format types it so (MISP ip-dst|port, Feodo Tracker's port
// field, ThreatFox's ip:port ioc_type): there the address is the
// attribute and the port its context. maltrail's untyped "address:port"
// trails, and the same shape in lists, CSV and JSON values, are skipped:
// maltrail lists an address alone when the address is bad and
// address:port when only that service on a possibly shared host is, so
// loading the address would widen the trail to every port.
//
// # Metadata and source names
//
// Source.Meta gives every indicator's defaults. An indicator's source name
// is Source.Meta.Source when set; else the name the format gives (MISP
// Orgc.name, Zeek meta.source, STIX created_by_ref identity, warninglist
// name); else the file's base name without its extension. Dates that do
// not parse leave the field empty: a bad date never costs an indicator.
//
// # Warninglists as filters
//
// A [Filter] holds MISP warninglists (string, hostname, cidr, substring)
// and drops the indicators they list before the Builder sees them; set it
// as Source.Filter. [Load] counts drops in Report.Skipped under "dropped by
// warninglist NAME"; [Parse] yields them as skipped lines.
//
// # Limits
//
// Text formats read line by line; a line longer than [MaxLineLength] is
// skipped ([ErrLineTooLong]) in bounded memory, and a line that is not
// valid UTF-8 is skipped. JSON documents (STIX, MISP, warninglists, JSON
// arrays) and YARA files are read whole, up to Source.MaxSize (default
// [MaxDocumentSize], 256 MiB: [ErrTooLarge]); a JSON document must be
// valid UTF-8 and nested at most [MaxJSONDepth] (64) levels, which a
// linear pre-scan checks before decoding; a truncated or invalid document
// ends with a *LineError wrapping [ErrMalformed] at the line where it
// breaks. JSON lines are streamed, each line bounded by MaxLineLength.
// Errors name the file and line; for JSON, the line where the object (the
// STIX object, the MISP attribute, the array element) starts.
//
// # Snapshot files
//
// A snapshot is one immutable file: a 256-byte header, then a serialised
// match.Set at offset 256, which is 64-byte aligned so that a mapped file's
// structures are used in place. All integers are little-endian.
//
//	offset  size  field
//	0       8     magic "siftsnap"
//	8       2     format version (1)
//	10      2     zero
//	12      2     minimum reader version: readers of a lower version refuse the file
//	14      2     header length (256)
//	16      8     data version: rises with every publication of the feed
//	24      8     issued, Unix seconds
//	32      8     expires, Unix seconds; 0: never
//	40      8     file length: must equal the size of the file
//	48      8     offset of the Set (256)
//	56      8     length of the Set
//	64      64    feed id, ASCII, padded with zero bytes
//	128     4     number of kind counts that follow, n <= 16
//	132     4     zero
//	136     8*n   indicators per kind, by match.Kind number
//	...           zero up to 256
//
// A detached minisign signature (FILE.minisig) covers the whole file; its
// trusted comment carries the feed id and the data version (see
// TrustedComment), so that a signature cannot be moved to another feed or
// replayed with an older version.
//
// The Set's own layout (its section table and the sections of each kind)
// is specified in package match (layout.go). [Open] checks the header, the
// file length and every section's offset and length against the file
// before it uses them, and allocates nothing from a count it has not
// bounded by the file size; [Snapshot.Verify] checks every structure.
//
// # Concurrency
//
// The functions of this package may be called concurrently on different
// Builders. A Filter may be shared once its lists are added.
package feed
