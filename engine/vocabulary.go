package engine

import (
	"math/big"
	"time"
)

// Vocabulary holds a language's words for the engine's messages, so that
// each message is written once and still reads naturally in every
// language: "want None (after emit), a list of rows or a dict of columns"
// in Starlark, "want undefined (after emit), an array of rows or an object
// of columns" in JavaScript.
type Vocabulary struct {
	Null   string // "None", "undefined": what call returns after emit
	Bool   string // "bool", "boolean"
	Int    string // "int", "number"
	Float  string // "float", "number"
	String string // "string"
	Bytes  string // "bytes", "Uint8Array"
	Time   string // "time", "Date"
	List   string // "list", "array"
	Map    string // "dict", "object"
	Option string // "keyword argument", "option"
	// Booleans spells the two booleans: "True or False", "true or false".
	Booleans string
	// Row lists what a row may be: "a tuple, list or dict".
	Row string
	// Pair spells a schema entry: "(name, type)", "[name, type]".
	Pair string
	// SchemaExample shows how to declare a schema.
	SchemaExample string
}

// KindName names the kind of a Value in the language's words.
func (v *Vocabulary) KindName(x Value) string {
	switch x.(type) {
	case nil:
		return "null"
	case bool:
		return v.Bool
	case int64, *big.Int:
		return v.Int
	case float64:
		return v.Float
	case string:
		return v.String
	case []byte:
		return v.Bytes
	case time.Time:
		return v.Time
	case []Value:
		return v.List
	case *Map:
		return v.Map
	}
	return KindName(x)
}

// Article prefixes a word with "a" or "an".
func Article(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
		return "an " + s
	}
	return "a " + s
}
