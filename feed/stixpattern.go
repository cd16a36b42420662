package feed

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/sift-intel/sift/match"
)

// A STIX pattern is read into alternatives: the observations and
// comparisons joined by OR, each a group of comparisons that must all
// hold (AND within one observation). An alternative sift cannot represent
// carries the reason.
type stixAlt struct {
	cmps   []stixCmp
	reason string
}

// stixCmp is one comparison: "path op value".
type stixCmp struct {
	path   string   // object-type:property path, quotes kept
	op     string   // "=", "!=", "LIKE", "MATCHES", "IN", "ISSUBSET", …
	not    bool     // NOT before the operator
	values []string // one, or the list of IN
	typ    byte     // the literal's type: '\'' string, 'h' hex, 'b' binary, 't' timestamp, 'n' number, 'B' boolean
}

// maxStixAlts bounds the alternatives a pattern expands to (AND over ORs
// distributes), so that a hostile pattern cannot blow up.
const maxStixAlts = 1024

type stixParser struct {
	s   string
	pos int
	tok string // the current token
	typ byte   // its type: 'w' word or path, '\'' string, 'h', 'b', 't' typed strings, 'n' number, 'p' punctuation, 0 end
}

var errStixSyntax = errors.New("invalid STIX pattern")

func (p *stixParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at offset %d", errStixSyntax, fmt.Sprintf(format, args...), p.pos)
}

// next reads the next token.
func (p *stixParser) next() error {
	s := p.s
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t' || s[p.pos] == '\n' || s[p.pos] == '\r') {
		p.pos++
	}
	if p.pos >= len(s) {
		p.tok, p.typ = "", 0
		return nil
	}
	c := s[p.pos]
	switch {
	case c == '[' || c == ']' || c == '(' || c == ')' || c == ',':
		p.tok, p.typ = s[p.pos:p.pos+1], 'p'
		p.pos++
	case c == '=' || c == '<' || c == '>' || c == '!':
		n := 1
		if p.pos+1 < len(s) && s[p.pos+1] == '=' {
			n = 2
		}
		p.tok, p.typ = s[p.pos:p.pos+n], 'p'
		p.pos += n
		if p.tok == "!" {
			return p.errorf("unexpected !")
		}
	case c == '\'':
		v, err := p.quoted()
		if err != nil {
			return err
		}
		p.tok, p.typ = v, '\''
	case (c == 'h' || c == 'b' || c == 't') && p.pos+1 < len(s) && s[p.pos+1] == '\'':
		p.pos++
		v, err := p.quoted()
		if err != nil {
			return err
		}
		p.tok, p.typ = v, c
	case c == '-' || '0' <= c && c <= '9':
		i := p.pos + 1
		for i < len(s) && (s[i] == '.' || '0' <= s[i] && s[i] <= '9') {
			i++
		}
		p.tok, p.typ = s[p.pos:i], 'n'
		p.pos = i
	case isPathByte(c):
		// A word, or an object path with quoted segments:
		// file:hashes.'SHA-256', email-message:body_multipart[*].
		i := p.pos
		for i < len(s) {
			if isPathByte(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '[' && strings.Contains(s[p.pos:i], ":") || s[i] == ']' && strings.Contains(s[p.pos:i], "[") || s[i] == '*' {
				i++
				continue
			}
			if s[i] == '\'' && i > 0 && s[i-1] == '.' {
				j := strings.IndexByte(s[i+1:], '\'')
				if j < 0 {
					return p.errorf("unterminated quoted path segment")
				}
				i += j + 2
				continue
			}
			break
		}
		p.tok, p.typ = s[p.pos:i], 'w'
		p.pos = i
	default:
		return p.errorf("unexpected %q", c)
	}
	return nil
}

func isPathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// quoted reads a single-quoted string at p.pos, undoing \' and \\.
func (p *stixParser) quoted() (string, error) {
	s := p.s
	var b strings.Builder
	for i := p.pos + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '\'':
			p.pos = i + 1
			return b.String(), nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *stixParser) is(word string) bool {
	return p.typ == 'w' && strings.EqualFold(p.tok, word) || p.typ == 'p' && p.tok == word
}

// parseStixPattern reads a STIX 2.x pattern into its alternatives.
func parseStixPattern(s string) ([]stixAlt, error) {
	p := &stixParser{s: s}
	if err := p.next(); err != nil {
		return nil, err
	}
	alts, err := p.observationExpr()
	if err != nil {
		return nil, err
	}
	if p.typ != 0 {
		return nil, p.errorf("unexpected %q", p.tok)
	}
	return alts, nil
}

func unsupported(reason string) []stixAlt { return []stixAlt{{reason: reason}} }

// observationExpr := observationAnd (OR observationAnd)*
func (p *stixParser) observationExpr() ([]stixAlt, error) { return p.or(p.observationAnd) }

// observationAnd := observation ((AND | FOLLOWEDBY) observation)*
func (p *stixParser) observationAnd() ([]stixAlt, error) {
	alts, err := p.observation()
	if err != nil {
		return nil, err
	}
	for p.is("AND") || p.is("FOLLOWEDBY") {
		op := strings.ToUpper(p.tok)
		if err := p.next(); err != nil {
			return nil, err
		}
		if _, err := p.observation(); err != nil {
			return nil, err
		}
		alts = unsupported(op + " across observations needs several observations at once")
	}
	return alts, nil
}

// observation := ('[' comparisonExpr ']' | '(' observationExpr ')') qualifier*
func (p *stixParser) observation() ([]stixAlt, error) {
	var alts []stixAlt
	var err error
	switch {
	case p.is("["):
		if err := p.next(); err != nil {
			return nil, err
		}
		if alts, err = p.comparisonExpr(); err != nil {
			return nil, err
		}
		if !p.is("]") {
			return nil, p.errorf("expected ]")
		}
	case p.is("("):
		if err := p.next(); err != nil {
			return nil, err
		}
		if alts, err = p.observationExpr(); err != nil {
			return nil, err
		}
		if !p.is(")") {
			return nil, p.errorf("expected )")
		}
	default:
		return nil, p.errorf("expected [ or (, found %q", p.tok)
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	for p.is("WITHIN") || p.is("REPEATS") || p.is("START") {
		q := strings.ToUpper(p.tok)
		// WITHIN n SECONDS, REPEATS n TIMES, START t'…' STOP t'…'
		for range 3 {
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		if q == "START" {
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		alts = unsupported("qualifiers (WITHIN, REPEATS, START/STOP) have no indicator form")
	}
	return alts, nil
}

// comparisonExpr := comparisonAnd (OR comparisonAnd)*
func (p *stixParser) comparisonExpr() ([]stixAlt, error) { return p.or(p.comparisonAnd) }

// or parses operand (OR operand)*: the alternatives of every operand.
func (p *stixParser) or(operand func() ([]stixAlt, error)) ([]stixAlt, error) {
	alts, err := operand()
	if err != nil {
		return nil, err
	}
	for p.is("OR") {
		if err := p.next(); err != nil {
			return nil, err
		}
		more, err := operand()
		if err != nil {
			return nil, err
		}
		alts = append(alts, more...)
		if len(alts) > maxStixAlts {
			return unsupported("the pattern has too many alternatives"), nil
		}
	}
	return alts, nil
}

// comparisonAnd := comparison (AND comparison)*; AND distributes over the
// alternatives of parenthesised ORs.
func (p *stixParser) comparisonAnd() ([]stixAlt, error) {
	alts, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for p.is("AND") {
		if err := p.next(); err != nil {
			return nil, err
		}
		right, err := p.comparison()
		if err != nil {
			return nil, err
		}
		if len(alts)*len(right) > maxStixAlts {
			alts = unsupported("the pattern has too many alternatives")
			continue
		}
		var prod []stixAlt
		for _, a := range alts {
			for _, b := range right {
				c := stixAlt{cmps: append(append([]stixCmp(nil), a.cmps...), b.cmps...), reason: a.reason}
				if c.reason == "" {
					c.reason = b.reason
				}
				prod = append(prod, c)
			}
		}
		alts = prod
	}
	return alts, nil
}

// comparison := '(' comparisonExpr ')' | EXISTS path | path [NOT] op value
func (p *stixParser) comparison() ([]stixAlt, error) {
	if p.is("(") {
		if err := p.next(); err != nil {
			return nil, err
		}
		alts, err := p.comparisonExpr()
		if err != nil {
			return nil, err
		}
		if !p.is(")") {
			return nil, p.errorf("expected )")
		}
		return alts, p.next()
	}
	if p.is("EXISTS") {
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.typ != 'w' {
			return nil, p.errorf("expected an object path")
		}
		return unsupported("EXISTS has no indicator form"), p.next()
	}
	if p.typ != 'w' || !strings.Contains(p.tok, ":") {
		return nil, p.errorf("expected an object path, found %q", p.tok)
	}
	c := stixCmp{path: p.tok}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.is("NOT") {
		c.not = true
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	switch {
	case p.typ == 'p' && p.tok != "(" && p.tok != ")" && p.tok != "[" && p.tok != "]" && p.tok != ",":
		c.op = p.tok
	case p.typ == 'w':
		c.op = strings.ToUpper(p.tok)
		switch c.op {
		case "LIKE", "MATCHES", "IN", "ISSUBSET", "ISSUPERSET":
		default:
			return nil, p.errorf("unknown operator %q", p.tok)
		}
	default:
		return nil, p.errorf("expected an operator")
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	if c.op == "IN" {
		if !p.is("(") {
			return nil, p.errorf("expected ( after IN")
		}
		for {
			if err := p.next(); err != nil {
				return nil, err
			}
			if p.typ == 0 || p.typ == 'p' || p.typ == 'w' && !strings.EqualFold(p.tok, "true") && !strings.EqualFold(p.tok, "false") {
				return nil, p.errorf("expected a literal in IN")
			}
			c.values = append(c.values, p.tok)
			c.typ = p.typ
			if err := p.next(); err != nil {
				return nil, err
			}
			if p.is(")") {
				break
			}
			if !p.is(",") {
				return nil, p.errorf("expected , or ) in IN")
			}
		}
	} else {
		switch p.typ {
		case '\'', 'h', 'b', 't', 'n':
		case 'w':
			if !strings.EqualFold(p.tok, "true") && !strings.EqualFold(p.tok, "false") {
				return nil, p.errorf("expected a literal, found %q", p.tok)
			}
			p.typ = 'B'
		default:
			return nil, p.errorf("expected a literal")
		}
		c.values, c.typ = []string{p.tok}, p.typ
	}
	return []stixAlt{{cmps: []stixCmp{c}}}, p.next()
}

// stixHashKinds maps the hash names of file:hashes onto kinds, after
// removing quotes and dashes and upper-casing.
var stixHashKinds = map[string]match.Kind{"MD5": match.KindMD5, "SHA1": match.KindSHA1, "SHA256": match.KindSHA256}

// stixTarget is an indicator a comparison maps onto.
type stixTarget struct {
	kind  match.Kind
	value string
}

// mapAlt turns one alternative into indicators, or a reason it cannot.
func mapAlt(a stixAlt) ([]stixTarget, string) {
	if a.reason != "" {
		return nil, a.reason
	}
	if len(a.cmps) == 1 {
		return mapCmp(a.cmps[0])
	}
	// AND within one observation: the comparisons hold for one object.
	// When they are all about one file and some are its hashes, each hash
	// identifies the file (its name and size only narrow it further).
	var out []stixTarget
	for _, c := range a.cmps {
		obj, _, _ := strings.Cut(c.path, ":")
		if !strings.EqualFold(obj, "file") {
			return nil, "AND of comparisons that are not all about one file needs them all at once"
		}
		if _, ok := hashName(c.path); ok && c.op == "=" && !c.not {
			t, reason := mapCmp(c)
			if reason != "" {
				return nil, reason
			}
			out = append(out, t...)
		}
	}
	if len(out) == 0 {
		return nil, "AND of file properties without a hash has no indicator form"
	}
	return out, ""
}

// hashName returns the normalised hash name of a file:hashes path.
func hashName(path string) (string, bool) {
	obj, prop, _ := strings.Cut(path, ":")
	if !strings.EqualFold(obj, "file") && !strings.EqualFold(obj, "artifact") {
		return "", false
	}
	rest, ok := cutPrefixFold(prop, "hashes.")
	if !ok {
		return "", false
	}
	name := strings.ToUpper(strings.ReplaceAll(strings.Trim(rest, "'"), "-", ""))
	return name, true
}

// mapCmp turns one comparison into indicators.
func mapCmp(c stixCmp) ([]stixTarget, string) {
	path := c.path
	if len(path) > 60 {
		path = path[:60]
	}
	if c.not {
		return nil, "NOT has no indicator form"
	}
	if c.typ != '\'' {
		return nil, "only string literals map onto indicators"
	}
	var kind match.Kind
	obj, prop, _ := strings.Cut(strings.ToLower(c.path), ":")
	switch {
	case prop == "value" && (obj == "domain-name"):
		kind = match.KindDomain
	case prop == "value" && obj == "url":
		kind = match.KindURL
	case prop == "value" && (obj == "ipv4-addr" || obj == "ipv6-addr"):
		kind = match.KindIP
	case prop == "value" && obj == "email-addr":
		kind = match.KindEmail
	default:
		if name, ok := hashName(c.path); ok {
			k, known := stixHashKinds[name]
			if !known {
				return nil, "file hash " + name + " has no indicator kind"
			}
			kind = k
			break
		}
		return nil, "object path " + path + " has no indicator kind"
	}
	switch c.op {
	case "=", "IN":
	case "ISSUBSET":
		if kind != match.KindIP {
			return nil, "ISSUBSET applies to addresses only"
		}
	default:
		return nil, "operator " + c.op + " has no indicator form"
	}
	var out []stixTarget
	for _, v := range c.values {
		k := kind
		if k == match.KindIP {
			if _, err := netip.ParsePrefix(v); err == nil {
				k = match.KindCIDR
			}
		}
		out = append(out, stixTarget{k, v})
	}
	return out, ""
}
