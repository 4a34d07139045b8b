package jsontable

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// A walker finds the records of the input and tells where each one is.
// Both passes (inference and building) walk the input the same way.
type walker struct {
	dec    *jsontext.Decoder
	r      io.ReadSeeker
	opts   Options
	lines  bool   // a stream of top-level objects, not an array
	index  int64  // index of the current record, from 0
	start  int64  // input offset of the current record
	keyBuf []byte // unquoted object names with escapes
}

// newWalker positions a decoder over r at the first record.
func newWalker(r io.ReadSeeker, opts Options) (*walker, error) {
	w := &walker{
		// Duplicate names are checked by the builder for the columns it
		// keeps, which is cheaper than the decoder checking every object.
		dec:   jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true)),
		r:     r,
		opts:  opts,
		index: -1,
	}
	keys, err := pathKeys(opts.Path)
	if err != nil {
		return nil, &Error{Source: opts.Source, Err: err}
	}
	if len(keys) == 0 {
		return w, w.openTop()
	}
	for i, key := range keys {
		if err := w.enter(keys, i, key); err != nil {
			return nil, err
		}
	}
	if k := w.dec.PeekKind(); k != '[' {
		if k == jsontext.KindInvalid {
			return nil, w.readErr()
		}
		return nil, w.shapeErr(fmt.Errorf("path %q is %s, not an array of objects", opts.Path, kindName(k)))
	}
	_, err = w.dec.ReadToken()
	return w, w.syntax(err)
}

// openTop handles input without a path: an array, or objects if Lines.
func (w *walker) openTop() error {
	switch k := w.dec.PeekKind(); k {
	case '[':
		_, err := w.dec.ReadToken()
		return w.syntax(err)
	case '{':
		if w.opts.Lines {
			w.lines = true
			return nil
		}
		if _, err := w.dec.ReadToken(); err != nil {
			return w.syntax(err)
		}
		keys, err := w.keys()
		if err != nil {
			return err
		}
		return w.shapeErr(fmt.Errorf("the JSON is an object, not an array of objects: name the array inside it with path (keys: %s)", keys))
	case jsontext.KindInvalid:
		return w.readErr()
	default:
		return w.shapeErr(fmt.Errorf("the JSON is %s, not an array of objects", kindName(k)))
	}
}

// enter steps into the value of key, the i-th key of the path.
func (w *walker) enter(path []string, i int, key string) error {
	parent := strings.Join(path[:i], ".")
	k := w.dec.PeekKind()
	switch {
	case k == jsontext.KindInvalid:
		return w.readErr()
	case k != '{' && i == 0:
		return w.shapeErr(fmt.Errorf("path %q: the JSON is %s, not an object", w.opts.Path, kindName(k)))
	case k != '{':
		return w.shapeErr(fmt.Errorf("path %q: %q is %s, not an object", w.opts.Path, parent, kindName(k)))
	}
	if _, err := w.dec.ReadToken(); err != nil {
		return w.syntax(err)
	}
	for w.dec.PeekKind() == '"' {
		name, err := w.name()
		if err != nil {
			return err
		}
		if string(name) == key {
			return nil
		}
		if err := w.dec.SkipValue(); err != nil {
			return w.syntax(err)
		}
	}
	if _, err := w.dec.ReadToken(); err != nil { // the object's end, or a syntax error
		return w.syntax(err)
	}
	in := "the top-level object"
	if i > 0 {
		in = strconv.Quote(parent)
	}
	return w.shapeErr(fmt.Errorf("path %q: no key %q in %s", w.opts.Path, key, in))
}

// keys lists (some of) the keys of the object just opened, for errors.
func (w *walker) keys() (string, error) {
	var names []string
	for w.dec.PeekKind() == '"' {
		name, err := w.name()
		if err != nil {
			return "", err
		}
		if len(names) < 10 {
			names = append(names, strconv.Quote(string(name)))
		} else if len(names) == 10 {
			names = append(names, "...")
		}
		if err := w.dec.SkipValue(); err != nil {
			return "", w.syntax(err)
		}
	}
	if len(names) == 0 {
		return "none", nil
	}
	return strings.Join(names, ", "), nil
}

// next moves to the next record and reports whether there is one. A
// record must be an object; next leaves its opening brace unread.
func (w *walker) next() (bool, error) {
	k := w.dec.PeekKind()
	switch {
	case k == ']' && !w.lines:
		_, err := w.dec.ReadToken()
		return false, w.syntax(err)
	case k == jsontext.KindInvalid && w.lines:
		if _, err := w.dec.ReadToken(); err == io.EOF {
			return false, nil
		} else {
			return false, w.syntax(err)
		}
	case k == jsontext.KindInvalid:
		return false, w.readErr()
	}
	w.index++
	w.start = w.dec.InputOffset() + int64(skipSeparators(w.dec.UnreadBuffer()))
	if k != '{' {
		return false, w.recordErr(fmt.Errorf("want an object, got %s", kindName(k)))
	}
	return true, nil
}

// name reads an object name. The result is valid until the next read.
func (w *walker) name() ([]byte, error) {
	raw, err := w.dec.ReadValue()
	if err != nil {
		return nil, w.syntax(err)
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	w.keyBuf, err = jsontext.AppendUnquote(w.keyBuf[:0], raw)
	return w.keyBuf, w.syntax(err)
}

// readErr returns the error a failed PeekKind held back.
func (w *walker) readErr() error {
	_, err := w.dec.ReadToken()
	if err == io.EOF {
		return &Error{Source: w.opts.Source, Err: errors.New("empty input: want a JSON array of objects")}
	}
	return w.syntax(err)
}

// syntax locates a decoder error by line and column; nil stays nil.
func (w *walker) syntax(err error) error {
	if err == nil {
		return nil
	}
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return &Error{Source: w.opts.Source, Err: errors.New("invalid JSON: unexpected end of input")}
		}
		return &Error{Source: w.opts.Source, Err: fmt.Errorf("read: %w", err)}
	}
	line, col := w.position(se.ByteOffset)
	cause := se.Err
	if cause == nil || errors.Is(cause, io.ErrUnexpectedEOF) {
		cause = errors.New("unexpected end of input")
	}
	return &Error{Source: w.opts.Source, Where: fmt.Sprintf("line %d, column %d", line, col), Err: fmt.Errorf("invalid JSON: %w", cause)}
}

// shapeErr reports JSON that is valid but not shaped as records.
func (w *walker) shapeErr(err error) error {
	return &Error{Source: w.opts.Source, Err: err}
}

// recordErr locates err at the current record.
func (w *walker) recordErr(err error) error {
	return &Error{Source: w.opts.Source, Where: w.where(), Err: err}
}

// where names the current record: "data.items[16] (line 18)",
// "element 16 (line 18)" or, for JSON lines, "line 18".
func (w *walker) where() string {
	line, _ := w.position(w.start)
	switch {
	case w.lines:
		return fmt.Sprintf("line %d", line)
	case w.opts.Path != "":
		return fmt.Sprintf("%s[%d] (line %d)", w.opts.Path, w.index, line)
	}
	return fmt.Sprintf("element %d (line %d)", w.index, line)
}

// position returns the 1-based line and byte column of offset, by reading
// the input again from the start. It runs only when reporting an error.
func (w *walker) position(offset int64) (line, col int) {
	line, col = 1, 1
	if _, err := w.r.Seek(0, io.SeekStart); err != nil {
		return 0, 0
	}
	br := bufio.NewReader(io.LimitReader(w.r, offset))
	for {
		c, err := br.ReadByte()
		if err != nil {
			return line, col
		}
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
}

// skipSeparators counts the whitespace and commas that start b: the
// decoder's offset is that of the end of the last token read, and a
// record starts after them.
func skipSeparators(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', ',':
		default:
			return i
		}
	}
	return len(b)
}

// kindName spells a token kind for errors.
func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "the end of a value"
}

// view returns b as a string without copying. The caller must not keep
// it past the next read of the decoder that owns b.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// isInteger reports whether a JSON number literal has no fraction and no
// exponent.
func isInteger(lit []byte) bool { return bytes.IndexAny(lit, ".eE") < 0 }
