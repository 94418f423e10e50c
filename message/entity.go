package message

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
)

// field is one header field of an entity: its lines as in the input, line
// ends included. Its name and unfolded value are computed when asked for,
// so that parsing allocates little.
type Field struct {
	raw     []byte
	nameLen int
}

// name is the field name as written.
func (f Field) Name() string { return string(f.raw[:f.nameLen]) }

// is reports whether the field is called name (ASCII, case-insensitive).
func (f Field) Is(name string) bool {
	n := f.raw[:f.nameLen]
	if len(n) != len(name) {
		return false
	}
	for i := range n {
		a, b := n[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// value is the field body unfolded (RFC 5322 §2.2.3) and trimmed.
func (f Field) Value() string {
	v := f.raw[f.nameLen+1:]
	if i := bytes.IndexByte(v, '\n'); i < 0 || i == len(v)-1 {
		return string(bytes.TrimSpace(v)) // one line: the common case
	}
	var b strings.Builder
	for len(v) > 0 {
		line := v
		if j := bytes.IndexByte(v, '\n'); j >= 0 {
			line, v = v[:j], v[j+1:]
		} else {
			v = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.Write(line)
	}
	return b.String()
}

// Entity is one MIME entity (RFC 2045) as slices of the raw bytes: the
// engine verifies and re-emits exactly what it received, and the display
// reads the same bytes the same way.
type Entity struct {
	Raw    []byte
	Fields []Field
	Body   []byte
	// Headless means the bytes have no header block at all (a bare text,
	// as some enveloped contents are); Body is then all of Raw.
	Headless bool
}

// ParseEntity splits raw into header fields and body. It accepts CRLF and
// bare LF line ends. A first line that is not a header field means there
// is no header block; a later one ends the header leniently, as mail
// readers do. It never fails.
func ParseEntity(raw []byte) Entity {
	e := Entity{Raw: raw}
	pos := 0
	for pos < len(raw) {
		end := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		if end >= 0 {
			next = pos + end + 1
		}
		line := bytes.TrimRight(raw[pos:next], "\r\n")
		if len(line) == 0 {
			e.Body = raw[next:]
			return e
		}
		if (line[0] == ' ' || line[0] == '\t') && len(e.Fields) > 0 {
			f := &e.Fields[len(e.Fields)-1]
			f.raw = raw[pos-len(f.raw) : next]
			pos = next
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validFieldName(line[:colon]) {
			if len(e.Fields) == 0 {
				e.Headless = true
			}
			e.Body = raw[pos:]
			return e
		}
		if e.Fields == nil {
			e.Fields = make([]Field, 0, 16)
		}
		e.Fields = append(e.Fields, Field{raw: raw[pos:next], nameLen: colon})
		pos = next
	}
	e.Body = raw[len(raw):]
	return e
}

func validFieldName(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// get returns the value of the first field called name (case-insensitive).
func (e Entity) Get(name string) string {
	for _, f := range e.Fields {
		if f.Is(name) {
			return f.Value()
		}
	}
	return ""
}

// getAll returns the values of every field called name, in order.
func (e Entity) GetAll(name string) []string {
	var out []string
	for _, f := range e.Fields {
		if f.Is(name) {
			out = append(out, f.Value())
		}
	}
	return out
}

// mediaType returns the lower-cased media type and its parameters;
// text/plain when there is no usable Content-Type (RFC 2045 §5.2).
func (e *Entity) MediaType() (string, map[string]string) {
	v := e.Get("Content-Type")
	if v == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if mt == "" {
		mt, _, _ = strings.Cut(v, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	if !strings.Contains(mt, "/") {
		return "text/plain", map[string]string{}
	}
	if err != nil && params == nil {
		params = map[string]string{}
	}
	return mt, params
}

// disposition returns the lower-cased disposition and its parameters.
func (e *Entity) Disposition() (string, map[string]string) {
	d, params, _ := mime.ParseMediaType(e.Get("Content-Disposition"))
	if params == nil {
		params = map[string]string{}
	}
	return d, params
}

// encoding is the lower-cased Content-Transfer-Encoding.
func (e *Entity) Encoding() string {
	return strings.ToLower(strings.TrimSpace(e.Get("Content-Transfer-Encoding")))
}

var ErrTooLarge = errors.New("content larger than the limit")

// decodedBody undoes the Content-Transfer-Encoding; limit bounds the input
// it accepts.
func (e *Entity) DecodedBody(limit int) ([]byte, error) {
	if len(e.Body) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, len(e.Body))
	}
	switch e.Encoding() {
	case "base64":
		return decodeBase64(e.Body)
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(e.Body)))
		if err != nil {
			return nil, fmt.Errorf("quoted-printable: %w", err)
		}
		return out, nil
	default:
		return e.Body, nil
	}
}

// decodeBase64 decodes base64 in lines, ignoring white space; missing
// padding is tolerated, any other character is an error.
func decodeBase64(b []byte) ([]byte, error) {
	// The common case: lines of proper base64, which the standard decoder
	// reads as they are (it skips CR and LF).
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	if n, err := base64.StdEncoding.Decode(out, b); err == nil {
		return out[:n], nil
	}
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	for len(clean)%4 != 0 && len(clean) > 0 && clean[len(clean)-1] == '=' {
		clean = clean[:len(clean)-1]
	}
	enc := base64.StdEncoding
	if len(clean)%4 != 0 {
		clean = bytes.TrimRight(clean, "=")
		enc = base64.RawStdEncoding
	}
	n, err := enc.Decode(clean, clean)
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	return clean[:n], nil
}

// SplitMultipart returns the parts of a multipart body exactly as they
// stand between their delimiter lines (RFC 2046 §5.1.1): the line break
// before a delimiter belongs to the delimiter. A missing close delimiter is
// tolerated (the last part runs to the end). It runs in linear time.
func SplitMultipart(body []byte, boundary string) ([][]byte, error) {
	if boundary == "" || len(boundary) > 200 {
		return nil, errors.New("multipart without a usable boundary")
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // start of the current part, -1 before the first delimiter
	pos := 0
	for pos <= len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		after := i + len(delim)
		if i > 0 && body[i-1] != '\n' {
			pos = after
			continue
		}
		closing := bytes.HasPrefix(body[after:], []byte("--"))
		rest := after
		if closing {
			rest += 2
		}
		lineEnd := bytes.IndexByte(body[rest:], '\n')
		var tail []byte
		next := len(body)
		if lineEnd >= 0 {
			tail = body[rest : rest+lineEnd]
			next = rest + lineEnd + 1
		} else {
			tail = body[rest:]
		}
		if len(bytes.Trim(tail, " \t\r")) != 0 && !closing {
			// "--boundaryX": a longer string, not our delimiter.
			pos = after
			continue
		}
		if start >= 0 {
			end := i
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[start:end])
		}
		if closing {
			return parts, nil
		}
		start = next
		pos = next
	}
	if start < 0 {
		return nil, fmt.Errorf("multipart boundary %q not found", boundary)
	}
	if start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts, nil
}

// canonical returns b with every bare LF turned into CRLF, the canonical
// form signatures are computed over (RFC 8551 §3.1.1). It returns b itself
// when it is already canonical.
func Canonical(b []byte) []byte {
	bare := 0
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		if i == 0 || b[i-1] != '\r' {
			bare++
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	if bare == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+bare)
	return AppendCanonical(out, b)
}

// AppendCanonical appends b to dst with bare LFs turned into CRLF.
func AppendCanonical(dst, b []byte) []byte {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(dst, b...)
		}
		if i > 0 && b[i-1] == '\r' {
			dst = append(dst, b[:i+1]...)
		} else {
			dst = append(dst, b[:i]...)
			dst = append(dst, '\r', '\n')
		}
		b = b[i+1:]
	}
	return dst
}

// NewField makes a header field "name: value" with a CRLF line end, for
// a field an entity is given that it did not have.
func NewField(name, value string) Field {
	return Field{raw: []byte(name + ": " + value + "\r\n"), nameLen: len(name)}
}

// PrefixedField is the field named name whose value is f as it stands,
// folding included: "HP-Outer: Subject: …" (RFC 9788).
func PrefixedField(name string, f Field) Field {
	return Field{raw: append([]byte(name+": "), f.raw...), nameLen: len(name)}
}

// Raw is the field as it stands in the input, line ends included.
func (f Field) Raw() []byte { return f.raw }
