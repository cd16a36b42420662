package feed

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sift-intel/sift/match"
)

// parseYARA reads YARA rules and keeps what maps onto byte patterns: the
// literal strings of rules whose condition is a disjunction of their
// strings ("any of them", "1 of ($a*)", "$a or $b"), where each string
// alone decides a match. Each such string becomes a byte pattern ("hex:"
// and its bytes in hex): a hex string without wildcards, jumps or
// alternatives, or a text string with no modifiers but ascii and wide
// (wide: UTF-16LE; ascii wide: both). The rule's name is the category,
// its meta description and reference the description and reference, its
// tags the tags, and a meta score (LOKI/THOR's 0–100) the severity.
//
// Skipped with the reason: rules whose condition needs more than one
// string at once (and, all of, N of), or looks at the file (filesize,
// offsets, uint16(0), modules) or at other rules; rules without strings;
// and, in a kept rule, regular expressions, hex strings with wildcards,
// jumps or alternatives, and text strings with nocase, fullword, xor or
// base64.
//
// The file is read whole, bounded by Source.MaxSize.
func parseYARA(r io.Reader, src Source) iter.Seq[item] {
	return func(yield func(item) bool) {
		data, err := readDoc(r, src)
		if err != nil {
			yield(fail(err))
			return
		}
		if !utf8.Valid(data) {
			line := 1
			for off := 0; off < len(data); {
				r, n := utf8.DecodeRune(data[off:])
				if r == utf8.RuneError && n <= 1 {
					break
				}
				if r == '\n' {
					line++
				}
				off += n
			}
			yield(fail(&LineError{File: src.Name, Line: line, Err: malformed("invalid UTF-8")}))
			return
		}
		p := &yaraParser{s: strings.TrimPrefix(string(data), "\ufeff"), line: 1, src: src}
		p.run(yield)
	}
}

type yaraParser struct {
	s    string
	pos  int
	line int
	src  Source
}

type yaraTok struct {
	kind byte // 'i' identifier, 's' string, 'n' number, 'v' $variable, 'p' punctuation, 'r' regex, 0 end
	text string
	line int
}

// skipSpace skips blanks and comments, counting lines.
func (p *yaraParser) skipSpace() error {
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '\n':
			p.line++
			p.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case strings.HasPrefix(p.s[p.pos:], "//"):
			for p.pos < len(p.s) && p.s[p.pos] != '\n' {
				p.pos++
			}
		case strings.HasPrefix(p.s[p.pos:], "/*"):
			end := strings.Index(p.s[p.pos+2:], "*/")
			if end < 0 {
				p.pos = len(p.s)
				return errors.New("unterminated comment")
			}
			p.line += strings.Count(p.s[p.pos:p.pos+2+end+2], "\n")
			p.pos += end + 4
		default:
			return nil
		}
	}
	return nil
}

func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.'
}

// next reads one token. regex says whether a '/' starts a regular
// expression here.
func (p *yaraParser) next(regex bool) (yaraTok, error) {
	if err := p.skipSpace(); err != nil {
		return yaraTok{}, err
	}
	if p.pos >= len(p.s) {
		return yaraTok{line: p.line}, nil
	}
	start, line := p.pos, p.line
	c := p.s[p.pos]
	switch {
	case c == '"':
		i := p.pos + 1
		for i < len(p.s) && p.s[i] != '"' {
			if p.s[i] == '\\' {
				i++
			}
			if i < len(p.s) && p.s[i] == '\n' {
				return yaraTok{}, errors.New("a line break in a text string")
			}
			i++
		}
		if i >= len(p.s) {
			p.pos = len(p.s)
			return yaraTok{}, errors.New("unterminated text string")
		}
		p.pos = i + 1
		return yaraTok{'s', p.s[start+1 : i], line}, nil
	case c == '/' && regex:
		i := p.pos + 1
		for i < len(p.s) && p.s[i] != '/' {
			if p.s[i] == '\\' {
				i++
			}
			if i < len(p.s) && p.s[i] == '\n' {
				return yaraTok{}, errors.New("a line break in a regular expression")
			}
			i++
		}
		if i >= len(p.s) {
			p.pos = len(p.s)
			return yaraTok{}, errors.New("unterminated regular expression")
		}
		i++
		for i < len(p.s) && (p.s[i] == 'i' || p.s[i] == 's') {
			i++
		}
		p.pos = i
		return yaraTok{'r', p.s[start:i], line}, nil
	case c == '$' || c == '#' || c == '@' || c == '!':
		i := p.pos + 1
		for i < len(p.s) && isIdentByte(p.s[i]) {
			i++
		}
		if i < len(p.s) && p.s[i] == '*' {
			i++
		}
		p.pos = i
		return yaraTok{'v', p.s[start:i], line}, nil
	case isIdentByte(c):
		i := p.pos
		for i < len(p.s) && isIdentByte(p.s[i]) {
			i++
		}
		p.pos = i
		k := byte('i')
		if '0' <= c && c <= '9' {
			k = 'n'
		}
		return yaraTok{k, p.s[start:i], line}, nil
	}
	// Operators of one or two bytes.
	if p.pos+1 < len(p.s) {
		switch p.s[p.pos : p.pos+2] {
		case "==", "!=", "<=", ">=", "<<", ">>", "..":
			p.pos += 2
			return yaraTok{'p', p.s[start:p.pos], line}, nil
		}
	}
	p.pos++
	return yaraTok{'p', p.s[start:p.pos], line}, nil
}

// hexString reads a hex string's body after its '{', up to its '}'.
func (p *yaraParser) hexString() (string, error) {
	end := strings.IndexByte(p.s[p.pos:], '}')
	if end < 0 {
		p.pos = len(p.s)
		return "", errors.New("unterminated hex string")
	}
	body := p.s[p.pos : p.pos+end]
	p.line += strings.Count(body, "\n")
	p.pos += end + 1
	return body, nil
}

type yaraString struct {
	id    string
	kind  byte // 's' text, 'h' hex, 'r' regex
	value string
	mods  []string
	line  int
}

type yaraRule struct {
	name      string
	line      int
	tags      []string
	meta      map[string]string
	strings   []yaraString
	cond      []yaraTok
	global    bool
	hasString bool
}

// run parses the rules one by one; a rule with a syntax error is reported
// and skipped, and parsing resumes at the next rule.
func (p *yaraParser) run(yield func(item) bool) {
	for {
		tok, err := p.next(false)
		if err != nil {
			yield(item{line: p.line, err: &LineError{File: p.src.Name, Line: p.line, Err: fmt.Errorf("YARA: %v", err)}})
			return
		}
		switch {
		case tok.kind == 0:
			return
		case tok.kind == 'i' && (tok.text == "import" || tok.text == "include"):
			if _, err := p.next(false); err != nil {
				yield(item{line: p.line, err: &LineError{File: p.src.Name, Line: p.line, Err: fmt.Errorf("YARA: %v", err)}})
				return
			}
			continue
		case tok.kind == 'i' && (tok.text == "rule" || tok.text == "private" || tok.text == "global"):
			rule, err := p.rule(tok)
			if err != nil {
				if p.pos >= len(p.s) {
					// The file ends inside the rule: it was cut short.
					yield(fail(&LineError{File: p.src.Name, Line: tok.line, Err: malformed("truncated: YARA rule %s: %v", rule.nameOr(), err)}))
					return
				}
				if !yield(item{line: tok.line, err: &LineError{File: p.src.Name, Line: p.line, Err: fmt.Errorf("YARA: %v", err)}}) {
					return
				}
				if !p.resync() {
					return
				}
				continue
			}
			out := &lineOut{src: p.src}
			rule.items(p.src, out)
			for _, it := range out.items {
				if !yield(it) {
					return
				}
			}
		default:
			if !yield(item{line: tok.line, err: &LineError{File: p.src.Name, Line: tok.line, Text: tok.text, Err: errors.New("YARA: expected a rule")}}) {
				return
			}
			if !p.resync() {
				return
			}
		}
	}
}

// resync moves to the next line that starts a rule.
func (p *yaraParser) resync() bool {
	for {
		i := strings.IndexByte(p.s[p.pos:], '\n')
		if i < 0 {
			p.pos = len(p.s)
			return false
		}
		p.pos += i + 1
		p.line++
		rest := strings.TrimLeft(p.s[p.pos:], " \t")
		for _, kw := range []string{"rule ", "private ", "global "} {
			if strings.HasPrefix(rest, kw) {
				return true
			}
		}
	}
}

func (p *yaraParser) expect(text string, regex bool) (yaraTok, error) {
	t, err := p.next(regex)
	if err != nil {
		return t, err
	}
	if t.text != text || t.kind == 's' {
		return t, fmt.Errorf("expected %q, found %q", text, t.text)
	}
	return t, nil
}

// rule parses one rule, from its first keyword.
func (p *yaraParser) rule(first yaraTok) (*yaraRule, error) {
	r := &yaraRule{line: first.line, meta: map[string]string{}}
	tok := first
	for tok.text == "private" || tok.text == "global" {
		if tok.text == "global" {
			r.global = true
		}
		var err error
		if tok, err = p.next(false); err != nil {
			return r, err
		}
	}
	if tok.text != "rule" {
		return r, fmt.Errorf("expected rule, found %q", tok.text)
	}
	name, err := p.next(false)
	if err != nil {
		return r, err
	}
	if name.kind != 'i' {
		return r, fmt.Errorf("expected a rule name, found %q", name.text)
	}
	r.name = name.text
	tok, err = p.next(false)
	if err != nil {
		return r, err
	}
	if tok.text == ":" {
		for {
			if tok, err = p.next(false); err != nil {
				return r, err
			}
			if tok.kind != 'i' {
				break
			}
			r.tags = append(r.tags, tok.text)
		}
	}
	if tok.text != "{" {
		return r, fmt.Errorf("expected {, found %q", tok.text)
	}
	section := ""
	for {
		tok, err = p.next(section == "condition" && len(r.cond) > 0 && r.cond[len(r.cond)-1].text == "matches")
		if err != nil {
			return r, err
		}
		if tok.kind == 0 {
			return r, errors.New("unterminated rule")
		}
		if tok.text == "}" && tok.kind == 'p' {
			return r, nil
		}
		if tok.kind == 'i' && (tok.text == "meta" || tok.text == "strings" || tok.text == "condition") {
			save, saveLine := p.pos, p.line
			if c, err := p.next(false); err == nil && c.text == ":" {
				section = tok.text
				continue
			}
			p.pos, p.line = save, saveLine
		}
		switch section {
		case "meta":
			if tok.kind != 'i' {
				return r, fmt.Errorf("expected a meta name, found %q", tok.text)
			}
			if _, err := p.expect("=", false); err != nil {
				return r, err
			}
			v, err := p.next(false)
			if err != nil {
				return r, err
			}
			if v.text == "-" {
				if v, err = p.next(false); err != nil {
					return r, err
				}
				v.text = "-" + v.text
			}
			if _, ok := r.meta[tok.text]; !ok {
				r.meta[tok.text] = v.text
			}
		case "strings":
			if tok.kind != 'v' || tok.text[0] != '$' {
				return r, fmt.Errorf("expected a string identifier, found %q", tok.text)
			}
			ys := yaraString{id: tok.text, line: tok.line}
			if _, err := p.expect("=", false); err != nil {
				return r, err
			}
			if err := p.skipSpace(); err != nil {
				return r, err
			}
			if p.pos < len(p.s) && p.s[p.pos] == '{' {
				p.pos++
				if ys.value, err = p.hexString(); err != nil {
					return r, err
				}
				ys.kind = 'h'
			} else {
				v, err := p.next(true)
				if err != nil {
					return r, err
				}
				if v.kind != 's' && v.kind != 'r' {
					return r, fmt.Errorf("expected a string, found %q", v.text)
				}
				ys.kind, ys.value = v.kind, v.text
			}
			// Modifiers, some with arguments: xor(1-255), base64("…").
			for {
				save, saveLine := p.pos, p.line
				m, err := p.next(false)
				if err != nil {
					return r, err
				}
				if m.kind != 'i' || m.text == "condition" || m.text == "meta" || m.text == "strings" {
					p.pos, p.line = save, saveLine
					break
				}
				ys.mods = append(ys.mods, m.text)
				save, saveLine = p.pos, p.line
				if a, err := p.next(false); err == nil && a.text == "(" {
					for depth := 1; depth > 0; {
						a, err := p.next(false)
						if err != nil {
							return r, err
						}
						if a.kind == 0 {
							return r, errors.New("unterminated modifier arguments")
						}
						switch a.text {
						case "(":
							depth++
						case ")":
							depth--
						}
					}
				} else {
					p.pos, p.line = save, saveLine
				}
			}
			r.strings = append(r.strings, ys)
			r.hasString = true
		case "condition":
			r.cond = append(r.cond, tok)
		default:
			return r, fmt.Errorf("unexpected %q before a section", tok.text)
		}
	}
}

func (r *yaraRule) nameOr() string {
	if r == nil || r.name == "" {
		return "(unnamed)"
	}
	return r.name
}

// items maps a parsed rule onto indicators.
func (r *yaraRule) items(src Source, out *lineOut) {
	out.n, out.text = r.line, []byte("rule "+r.name)
	switch {
	case r.global:
		out.skip(skip("global YARA rules constrain every other rule: not loaded"))
		return
	case !r.hasString:
		out.skip(skip("YARA rules without strings decide by their condition alone"))
		return
	}
	ids, reason := yaraDisjunction(r.cond)
	if reason != "" {
		out.skip(skip(reason))
		return
	}
	base := src.indicator()
	if src.Meta.Category == "" {
		base.Category = r.name
	}
	if d := r.meta["description"]; d != "" && src.Meta.Description == "" {
		base.Description = d
	}
	if ref := r.meta["reference"]; ref != "" && src.Meta.Reference == "" {
		base.Reference = ref
	}
	if s, err := strconv.Atoi(r.meta["score"]); err == nil && src.Meta.Severity == match.SeverityUnknown {
		base.Severity = scoreSeverity(s)
	}
	base.Tags = addTags(base.Tags, r.tags...)
	for _, s := range r.strings {
		if !ids(s.id) {
			continue
		}
		out.n, out.text = s.line, []byte(s.id)
		pats, reason := s.patterns()
		if reason != "" {
			out.skip(skip(reason))
			continue
		}
		for _, b := range pats {
			ind := base
			ind.Kind, ind.Value = match.KindPattern, "hex:"+hex.EncodeToString(b)
			out.add(ind)
		}
	}
}

// patterns returns the byte strings a YARA string matches, when it is
// literal.
func (s *yaraString) patterns() ([][]byte, string) {
	switch s.kind {
	case 'r':
		return nil, "YARA regular expressions have no indicator kind"
	case 'h':
		body := s.value
		// Comments inside hex strings.
		for {
			i := strings.Index(body, "//")
			if i < 0 {
				break
			}
			j := strings.IndexByte(body[i:], '\n')
			if j < 0 {
				body = body[:i]
				break
			}
			body = body[:i] + body[i+j:]
		}
		for {
			i := strings.Index(body, "/*")
			if i < 0 {
				break
			}
			j := strings.Index(body[i:], "*/")
			if j < 0 {
				return nil, "invalid hex string"
			}
			body = body[:i] + body[i+j+2:]
		}
		if strings.ContainsAny(body, "?[]()|~") {
			return nil, "YARA hex strings with wildcards, jumps or alternatives have no literal form"
		}
		digits := strings.Join(strings.Fields(body), "")
		b, err := hex.DecodeString(digits)
		if err != nil || len(b) == 0 {
			return nil, "invalid hex string"
		}
		return [][]byte{b}, ""
	}
	ascii, wide := false, false
	for _, m := range s.mods {
		switch m {
		case "ascii":
			ascii = true
		case "wide":
			wide = true
		case "private":
		default:
			return nil, "YARA text strings with " + m + " have no literal form"
		}
	}
	if !wide {
		ascii = true
	}
	b, err := yaraUnescape(s.value)
	if err != nil {
		return nil, err.Error()
	}
	if len(b) == 0 {
		return nil, "an empty YARA string"
	}
	var out [][]byte
	if ascii {
		out = append(out, b)
	}
	if wide {
		w := make([]byte, 0, 2*len(b))
		for _, c := range b {
			w = append(w, c, 0)
		}
		out = append(out, w)
	}
	return out, ""
}

// yaraUnescape decodes a YARA text string's escapes.
func yaraUnescape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, errors.New("a YARA string ends in a backslash")
		}
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '"', '\\':
			out = append(out, s[i])
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New("a short \\x escape")
			}
			b, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil || len(b) != 1 {
				return nil, errors.New("an invalid \\x escape")
			}
			out = append(out, b[0])
			i += 2
		default:
			return nil, errors.New("an unknown escape in a YARA string")
		}
	}
	return out, nil
}

// yaraDisjunction checks that a condition is a disjunction of strings:
//
//	expr := term ("or" term)*
//	term := "(" expr ")" | $id | ("any" | "1") "of" ("them" | "(" set ")")
//	set  := ($id | $prefix*) ("," …)*
//
// It returns the set of string ids the condition names, or why the
// condition is not such a disjunction.
func yaraDisjunction(cond []yaraTok) (func(id string) bool, string) {
	var named []string
	all := false
	i := 0
	var expr, term func() bool
	term = func() bool {
		if i >= len(cond) {
			return false
		}
		t := cond[i]
		switch {
		case t.text == "(":
			i++
			if !expr() || i >= len(cond) || cond[i].text != ")" {
				return false
			}
			i++
			return true
		case t.kind == 'v' && t.text[0] == '$' && !strings.HasSuffix(t.text, "*"):
			named = append(named, t.text)
			i++
			return true
		case t.text == "any" || t.text == "1" && t.kind == 'n':
			if i+2 >= len(cond) || cond[i+1].text != "of" {
				return false
			}
			i += 2
			if cond[i].text == "them" {
				all = true
				i++
				return true
			}
			if cond[i].text != "(" {
				return false
			}
			i++
			for {
				if i >= len(cond) || cond[i].kind != 'v' || cond[i].text[0] != '$' {
					return false
				}
				named = append(named, cond[i].text)
				i++
				if i < len(cond) && cond[i].text == "," {
					i++
					continue
				}
				if i < len(cond) && cond[i].text == ")" {
					i++
					return true
				}
				return false
			}
		}
		return false
	}
	expr = func() bool {
		if !term() {
			return false
		}
		for i < len(cond) && cond[i].text == "or" {
			i++
			if !term() {
				return false
			}
		}
		return true
	}
	if len(cond) == 0 {
		return nil, "a YARA rule without a condition"
	}
	if expr() && i == len(cond) {
		return func(id string) bool {
			if all {
				return true
			}
			for _, n := range named {
				if n == id || strings.HasSuffix(n, "*") && strings.HasPrefix(id, strings.TrimSuffix(n, "*")) {
					return true
				}
			}
			return false
		}, ""
	}
	for _, t := range cond {
		switch {
		case t.kind == 'i' && (t.text == "filesize" || t.text == "entrypoint" || strings.HasPrefix(t.text, "uint") || strings.HasPrefix(t.text, "int") || strings.Contains(t.text, ".")),
			t.kind == 'v' && t.text[0] != '$',
			t.text == "at" || t.text == "in":
			return nil, "YARA condition looks at the file (filesize, offsets, headers, modules, counts)"
		}
	}
	for _, t := range cond {
		if t.kind == 'i' && t.text != "and" && t.text != "or" && t.text != "not" && t.text != "of" && t.text != "them" && t.text != "any" && t.text != "all" && t.text != "none" && t.text != "for" && t.text != "true" && t.text != "false" {
			return nil, "YARA condition depends on other rules or external variables"
		}
	}
	return nil, "YARA condition needs more than one string at once (and, all of, N of, not)"
}
