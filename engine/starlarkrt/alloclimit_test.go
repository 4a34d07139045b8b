package starlarkrt_test

import (
	"errors"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// TestStringOfAHugeValueIsCut checks the patched interpreter's String
// methods, which have no error result and are called from Go (messages,
// logs): past the bound of one value they cut the text instead of
// panicking or allocating it all, while str() reports the bound.
func TestStringOfAHugeValueIsCut(t *testing.T) {
	defer starlark.SetAllocLimit(starlark.AllocLimit(), "")
	starlark.SetAllocLimit(1<<20, "test")
	s := starlark.String(strings.Repeat("x", 600_000))
	list := starlark.NewList([]starlark.Value{s, s, s})

	text := list.String()
	if !strings.HasSuffix(text, " ... (cut: over the bound of one value)") || len(text) > 1<<21 {
		t.Errorf("String() of 1.8 MB of text: %d bytes ending %q", len(text), text[max(0, len(text)-60):])
	}
	dict := starlark.StringDict{"a": list}
	if text := dict.String(); !strings.Contains(text, "(cut: over the bound of one value)") {
		t.Errorf("StringDict.String() not cut: %d bytes", len(text))
	}

	thread := &starlark.Thread{}
	_, err := starlark.Call(thread, starlark.Universe["str"], starlark.Tuple{list}, nil)
	if err == nil || !strings.Contains(err.Error(), "text of a value would make 1200005 bytes, over the bound of 1048576 (test)") {
		t.Errorf("str() of 1.8 MB of text: %v", err)
	}
	var ae *starlark.AllocLimitError
	if !errors.As(err, &ae) || ae.Limit != 1<<20 {
		t.Errorf("str() error %T is not an *AllocLimitError with the bound", err)
	}
}
