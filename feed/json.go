package feed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/sift-intel/sift/match"
)

// jsonValueKeys are the known value keys of JSON objects, most telling
// first: the CSV value columns and a few more.
var jsonValueKeys = func() []valueKey {
	var out []valueKey
	for _, c := range csvValueColumns {
		out = append(out, valueKey{c.name, c.kind})
	}
	return append(out,
		valueKey{"ipv4", 0}, valueKey{"ipv6", 0}, valueKey{"email", match.KindEmail},
		valueKey{"useragent", match.KindUserAgent}, valueKey{"user_agent", match.KindUserAgent},
	)
}()

type valueKey struct {
	name string
	kind match.Kind
}

// jsonContainers are the keys under which a JSON object may hold its list
// of indicator objects (abuse.ch API answers use "data").
var jsonContainers = []string{"data", "results", "items", "indicators", "iocs"}

// parseJSON reads JSON lines (one object a line, streamed line by line,
// each bounded by MaxLineLength) or a JSON document (an array of objects
// or strings, one or more objects, or an object holding such an array
// under "data", "results", "items", "indicators" or "iocs"), bounded by
// Source.MaxSize. Each object's value is under its first known key, or
// Source.Columns.Value.
func parseJSON(r io.Reader, src Source) iter.Seq[item] {
	br := bufio.NewReaderSize(r, DetectSize)
	head, _ := br.Peek(DetectSize)
	if isJSONLines(head) {
		return parseText(br, src, func(line []byte, out *lineOut) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				return
			}
			if _, ok := checkDepth(line, MaxJSONDepth); !ok {
				out.skip(malformed("JSON nested deeper than %d levels", MaxJSONDepth))
				return
			}
			var v any
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				out.skip(fmt.Errorf("invalid JSON: %v", err))
				return
			}
			jsonValue(v, src, out)
		})
	}
	return parseDoc(br, src, func(d *jsonDoc, yield func(item) bool) error {
		for d.peek() != 0 {
			if d.peek() == '[' {
				err := d.array(func(start int) error {
					return d.jsonElement(start, yield)
				})
				if err != nil {
					return err
				}
				continue
			}
			if err := d.jsonElement(d.next(), yield); err != nil {
				return err
			}
		}
		return nil
	})
}

// jsonElement decodes one value of a JSON document and yields what it
// holds.
func (d *jsonDoc) jsonElement(start int, yield func(item) bool) error {
	var v any
	if bad, err := d.decode(&v); err != nil {
		return err
	} else if bad != nil {
		if !yield(item{line: bad.Line, err: bad}) {
			return errStop
		}
		return nil
	}
	out := &lineOut{src: d.src, n: d.lineAt(start)}
	jsonValue(v, d.src, out)
	for _, it := range out.items {
		if !yield(it) {
			return errStop
		}
	}
	return nil
}

// isJSONLines reports whether a JSON source starts with an object that
// ends on its first line.
func isJSONLines(head []byte) bool {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	i := bytes.IndexByte(head, '\n')
	if len(head) == 0 || head[0] != '{' || i < 0 {
		return false
	}
	first := bytes.TrimSpace(head[:i])
	return bytes.HasSuffix(first, []byte("}")) && json.Valid(first)
}

// jsonValue turns one decoded JSON value into indicators.
func jsonValue(v any, src Source, out *lineOut) {
	switch v := v.(type) {
	case string:
		ind := src.indicator()
		ind.Kind = src.Kind
		if ind.Kind == match.KindUnknown {
			ind.Kind = match.KindOf(v)
		}
		if ind.Kind == match.KindUnknown {
			out.skip(fmt.Errorf("not a domain, URL, IP address, prefix or hash: %.120q", v))
			return
		}
		ind.Value = v
		out.add(ind)
	case map[string]any:
		jsonObject(v, src, out)
	default:
		out.skip(errors.New("a JSON value that is neither an object nor a string"))
	}
}

// jsonObject turns one JSON object into indicators.
func jsonObject(obj map[string]any, src Source, out *lineOut) {
	low := make(map[string]any, len(obj))
	for k, v := range obj {
		low[strings.ToLower(k)] = v
	}
	key, kind := "", match.KindUnknown
	if src.Columns.Value != "" {
		key = strings.ToLower(src.Columns.Value)
	} else {
		// The first known key with a value: Feodo Tracker's hostname is
		// null where its ip_address is not.
		for _, vk := range jsonValueKeys {
			if v, ok := low[vk.name]; ok && v != nil && v != "" {
				key, kind = vk.name, vk.kind
				break
			}
		}
	}
	if _, ok := low[key]; !ok || key == "" {
		for _, c := range jsonContainers {
			if list, ok := low[c].([]any); ok {
				for _, e := range list {
					jsonValue(e, src, out)
				}
				return
			}
		}
		if key != "" {
			out.skip(fmt.Errorf("no %s key", key))
		} else {
			out.skip(errors.New("no known value key (url, domain, ip_address, sha256, ja3_md5, value, userAgent, …): set Source.Columns"))
		}
		return
	}
	text := func(k string) string {
		switch v := low[k].(type) {
		case string:
			return strings.TrimSpace(v)
		case json.Number:
			return v.String()
		case bool:
			if v {
				return "true"
			}
			return "false"
		}
		return ""
	}
	field := func(name string) string {
		if src.Columns.Value != "" {
			var col string
			switch name {
			case "category":
				col = src.Columns.Category
			case "firstSeen":
				col = src.Columns.FirstSeen
			case "lastSeen":
				col = src.Columns.LastSeen
			case "reference":
				col = src.Columns.Reference
			case "description":
				col = src.Columns.Description
			case "confidence":
				col = src.Columns.Confidence
			case "tags":
				col = src.Columns.Tags
			}
			return text(strings.ToLower(col))
		}
		for _, k := range csvMetaColumns[name] {
			if s := text(k); s != "" {
				return s
			}
		}
		return ""
	}
	value := text(key)
	if value == "" {
		out.skip(fmt.Errorf("empty or non-text %s", key))
		return
	}
	ind := src.indicator()
	if v := field("category"); v != "" {
		ind.Category = v
	}
	ind.FirstSeen = orTime(parseTime(field("firstSeen")), ind.FirstSeen)
	ind.LastSeen = orTime(parseTime(field("lastSeen")), ind.LastSeen)
	if v := field("reference"); v != "" {
		ind.Reference = v
	}
	if v := field("description"); v != "" {
		ind.Description = v
	}
	if c, ok := confidence(field("confidence")); ok {
		ind.Confidence = c
	}
	tagKey := "tags"
	if src.Columns.Value != "" {
		tagKey = strings.ToLower(src.Columns.Tags)
	}
	switch t := low[tagKey].(type) {
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				ind.Tags = addTags(ind.Tags, s)
			}
		}
	case string:
		ind.Tags = addTags(ind.Tags, splitTags(t)...)
	}
	if src.Columns.Value == "" {
		if v := field("port"); v != "" {
			ind.Tags = addTags(ind.Tags, "port:"+v)
		}
		if v := field("status"); v != "" {
			ind.Tags = addTags(ind.Tags, "status:"+v)
		}
	}
	ind.Kind = kind
	if src.Kind != match.KindUnknown {
		ind.Kind = src.Kind
	}
	if ind.Kind == match.KindUnknown {
		ind.Kind = match.KindOf(value)
	}
	if ind.Kind == match.KindDomain {
		value = strings.TrimPrefix(value, ".") // Suricata's "dotprefix" domains: ".evil.example"
	}
	if ind.Kind == match.KindUnknown {
		if isAddrPort(value) {
			out.skip(errAddrPort)
		} else {
			out.skip(fmt.Errorf("not a domain, URL, IP address, prefix or hash: %.120q", value))
		}
		return
	}
	ind.Value = value
	out.add(ind)
}

func orTime[T interface{ IsZero() bool }](t, def T) T {
	if t.IsZero() {
		return def
	}
	return t
}
