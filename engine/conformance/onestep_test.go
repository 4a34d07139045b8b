package conformance_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
)

// oneStepBound is the bound of one value in the one-step tests, as a
// memory limit of 8 MiB sets it (without the guard, which that limit
// would set off in a test process).
const oneStepBound = 1 << 20

// oneStepCase is a single step that makes a value past the bound (big) and
// the same step below it (small). want matches the error of big, followed
// by the "over the bound" part every value shares; a want ending in $ is
// the whole end of the error (integers have a bound of their own).
type oneStepCase struct {
	name, big, small, want string
}

// oneStepCases are, per language, the steps that no interrupt can stop
// halfway: the patched interpreters (third_party/patches) refuse them
// before they allocate. In Starlark s is 600,000 bytes; in JavaScript too.
var oneStepCases = map[string][]oneStepCase{
	"star": {
		{"concatenation", "s + s", "s + 'x'", `string concatenation would make 1200000 bytes`},
		{"augmented concatenation", "s += s", "s += 'x'", `string concatenation would make 1200000 bytes`},
		{"repeat", "'ab' * 600000", "'ab' * 6", `repeat would make 1200000 bytes`},
		{"percent", "'%s%s' % (s, s)", "'%s' % s", `text of a value would make 1200000 bytes`},
		{"format", "'{}{}'.format(s, s)", "'{}'.format(s)", `text of a value would make 1200000 bytes`},
		{"join", "','.join([s, s])", "','.join([s])", `join would make 1200001 bytes`},
		{"replace", "s.replace('x', 'yy')", "s.replace('x', 'y')", `replace would make 1200000 bytes`},
		{"str of shared", "str([s] * 2)", "str([s])", `text of a value would make 1200005 bytes`},
		{"json of shared", "json.encode([s] * 2)", "json.encode([s])", `json.encode would make 1200004 bytes`},
		{"repr of shared", "repr([s] * 2)", "repr([s])", `text of a value would make 1200005 bytes`},
		{"print of shared", "print([s] * 2)", "print([s])", `text of a value would make 1200005 bytes`},
		{"bytes of range", "bytes(range(1 << 40))", "bytes(range(100))", `bytes would make 1099511627776 bytes`},
		{"integer squaring", "n = 7\n    for i in range(24):\n        n = n * n", "n = 7\n    for i in range(8):\n        n = n * n", `integer multiplication would make 1471863 bytes, over the bound of 1048576 \(integers are capped at 1 MiB\)$`},
		{"split", "s.split('x')", "'a,b'.split(',')", `split would make 19200032 bytes`},
		{"split on spaces", "(s.replace('x', ' x', 100000)).split()", "'a b'.split()", `split would make 3200000 bytes`},
		{"splitlines", "s.replace('x', '\\n').splitlines()", "'a\\nb'.splitlines()", `splitlines would make 19200032 bytes`},
		{"list repeat", "[0] * (1 << 17)", "[0] * (1 << 15)", `repeat would make 2097152 bytes`},
		{"list concatenation", "l + l", "l + [0]", `list concatenation would make 1600000 bytes`},
		{"list extension", "l += l", "l += [0]", `list extension would make 1600000 bytes`},
		{"list of range", "list(range(1 << 40))", "list(range(1 << 15))", `list would make 17592186044416 bytes`},
		{"tuple of range", "tuple(range(1 << 40))", "tuple(range(1 << 15))", `tuple would make 17592186044416 bytes`},
		{"sorted range", "sorted(range(1 << 40))", "sorted(range(1 << 15))", `sorted would make 17592186044416 bytes`},
		{"reversed range", "reversed(range(1 << 40))", "reversed(range(1 << 15))", `reversed would make 17592186044416 bytes`},
		{"enumerate range", "enumerate(range(1 << 40))", "enumerate(range(1 << 14))", `enumerate would make 52776558133248 bytes`},
		{"zip ranges", "zip(range(1 << 40), range(1 << 40))", "zip(range(1 << 13), range(1 << 13))", `zip would make 52776558133248 bytes`},
	},
	"js": {
		{"concatenation", "s + s", "s + 'x'", `RangeError: Invalid string length: 1200000 bytes`},
		{"augmented concatenation", "t += s", "t += 'x'", `RangeError: Invalid string length: 1200000 bytes`},
		{"template", "`${s}${s}`", "`${s}x`", `RangeError: Invalid string length: 1200000 bytes`},
		{"concat", "s.concat(s)", "s.concat('x')", `RangeError: Invalid string length: 1200000 bytes`},
		{"repeat", "'ab'.repeat(600000)", "'ab'.repeat(6)", `RangeError: Invalid string length: 1200000 bytes`},
		{"padStart", "'x'.padStart(2000000, '-')", "'x'.padStart(20, '-')", `RangeError: Invalid string length: 2000000 bytes`},
		{"padEnd", "'x'.padEnd(2000000)", "'x'.padEnd(20)", `RangeError: Invalid string length: 2000000 bytes`},
		{"join", "[s, s].join(',')", "[s].join(',')", `RangeError: Invalid string length: 1200001 bytes`},
		{"replace", "s.replace('x', t)", "s.replace('x', 'yy')", `RangeError: Invalid string length: 1199999 bytes`},
		{"replaceAll", "s.replaceAll('x', '')", "'axb'.replaceAll('x', '')", `RangeError: Too many matches: 1048640 bytes`},
		{"JSON of shared", "JSON.stringify([s, s])", "JSON.stringify([s])", `RangeError: Invalid string length: 1200004 bytes`},
		{"ArrayBuffer", "new ArrayBuffer(2000000)", "new ArrayBuffer(2000)", `RangeError: Array buffer allocation failed: 2000000 bytes`},
		{"typed array", "new Float64Array(1 << 18)", "new Float64Array(1 << 10)", `RangeError: Array buffer allocation failed: 2097152 bytes`},
		{"fill", "new Array(2 ** 32 - 1).fill(0)", "new Array(1000).fill(0)", `RangeError: Invalid array length: \d+ bytes`},
		{"Array.from", "Array.from({length: 2 ** 32 - 1})", "Array.from({length: 1000})", `RangeError: Invalid array length: \d+ bytes`},
		{"array concat", "l.concat(l)", "l.concat([0])", `RangeError: Invalid array length: \d+ bytes`},
		{"split", "s.split('')", "'a,b'.split(',')", `RangeError: Invalid array length: 1048592 bytes`},
		{"global match", "s.match(/x/g)", "'axb'.match(/x/g)", `RangeError: Too many matches: 1048640 bytes`},
		{"global replace", "s.replace(/x/g, '')", "'axb'.replace(/x/g, '')", `RangeError: Too many matches: 1048640 bytes`},
		{"BigInt squaring", "let n = 7n; for (let i = 0; i < 24; i++) n = n * n", "let n = 7n; for (let i = 0; i < 8; i++) n = n * n", `RangeError: Maximum BigInt size exceeded: 11774900 bits, over the bound of 8388608$`},
		{"BigInt power", "3n ** 100000000n", "3n ** 1000n", `RangeError: Maximum BigInt size exceeded: 100000000 bits, over the bound of 8388608$`},
		{"BigInt shift", "1n << 100000000000n", "1n << 1000n", `RangeError: Maximum BigInt size exceeded: 100000000001 bits, over the bound of 8388608$`},
		{"apply of array-like", "Math.max.apply(null, {length: 2 ** 32 - 1})", "Math.max.apply(null, {length: 10})", `RangeError: Invalid array length: 68719476720 bytes`},
	},
}

// oneStepScript returns a function whose call runs step once, with s (a
// string of 600,000 bytes), t and l (a list of 50,000 elements) at hand.
func oneStepScript(ext, step string) string {
	if ext == "star" {
		return "schema = {\"n\": \"int64\"}\ndef call():\n    s = 'x' * 600000\n    t = s\n    l = [0] * 50000\n    " +
			step + "\n    emit(1)\n"
	}
	return "const schema = {n: \"int64\"};\nfunction call() {\n  let s = 'x'.repeat(600000), t = s, l = new Array(50000).fill(0);\n  " +
		step + ";\n  emit(1);\n}\n"
}

// loadOne loads src as the function name (a file name.ext) in a registry
// adjust configures.
func loadOne(t testing.TB, ext, name, src string, adjust func(*engine.Options)) *engine.Function {
	t.Helper()
	dir := t.TempDir()
	enginetest.WriteFiles(t, dir, map[string]string{name + "." + ext: src})
	reg := newRegistry(new(enginetest.SyncBuffer), adjust)
	if err := reg.LoadPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	fn, _ := reg.Lookup(name)
	return fn
}

// callErr calls fn once and returns the call's error, nil if it succeeded.
func callErr(ctx context.Context, fn *engine.Function) error {
	table, err := fn.Call(ctx, enginetest.Request("{}", nil))
	if err == nil {
		table.Release()
	}
	return err
}

// TestOneStepAllocationsAreBounded checks that every step that makes a
// value in one go refuses one past an eighth of the memory limit, with an
// error naming the setting, and still works below it.
func TestOneStepAllocationsAreBounded(t *testing.T) {
	const over = `, over the bound of 1048576 \(an eighth of \[flexfun\] memory_limit\)`
	for _, lang := range languages {
		for _, tc := range oneStepCases[lang.ext] {
			t.Run(lang.ext+"/"+tc.name, func(t *testing.T) {
				bounded := func(o *engine.Options) { o.MaxValueBytes = oneStepBound }
				err := callErr(context.Background(), loadOne(t, lang.ext, "big", oneStepScript(lang.ext, tc.big), bounded))
				if err == nil {
					t.Fatal("no error past the bound")
				}
				want := tc.want + over
				if strings.HasSuffix(tc.want, "$") { // a bound of its own
					want = tc.want
				}
				if !regexp.MustCompile(want).MatchString(err.Error()) {
					t.Errorf("error %q\nwant %q", err, want)
				}
				if !strings.Contains(err.Error(), "big."+lang.ext+":") {
					t.Errorf("error %q does not name the file", err)
				}
				if err := callErr(context.Background(), loadOne(t, lang.ext, "small", oneStepScript(lang.ext, tc.small), bounded)); err != nil {
					t.Errorf("below the bound: %v", err)
				}
			})
		}
	}
}

// TestSortStopsAtTheDeadline sorts, in one built-in call, a list built at
// load (Starlark: 3M strings; JavaScript: 1M one-element arrays, which the
// default order compares as text): without a look at the cancellation
// between comparisons the sort runs 1.5 s (Starlark) to about 20 s past its
// 100 ms deadline; with one it ends within milliseconds. The worker must be
// free within 1 s of the deadline (docs/limits.md).
func TestSortStopsAtTheDeadline(t *testing.T) {
	scripts := map[string]string{
		"star": "schema = {\"n\": \"int64\"}\nbig = [str(i) for i in range(3000000)]\ndef call():\n    emit(len(sorted(big, reverse = True)))\n",
		"js":   "const schema = {n: \"int64\"};\nconst big = Array.from({length: 1000000}, (_, i) => [1000000 - i]);\nfunction call() { emit(big.slice().sort().length); }\n",
	}
	for _, lang := range languages {
		t.Run(lang.ext, func(t *testing.T) {
			fn := loadOne(t, lang.ext, "sort", scripts[lang.ext], func(o *engine.Options) { o.LoadTimeout = time.Minute })
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			if err := callErr(ctx, fn); err == nil {
				t.Fatal("the sort ended without an error")
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("the call returned %v after its start, its deadline was 100ms", took)
			}
		})
	}
}

// TestNativeLoopsStopAtTheDeadline checks that a built-in looping over a
// huge range or array inside one step stops when the call's deadline
// passes, instead of running for hours: such loops look at the
// cancellation as they go, and a backtracking regular expression gives up
// after jsrt.RegexpMatchTimeout (third_party/patches).
func TestNativeLoopsStopAtTheDeadline(t *testing.T) {
	loops := map[string][]string{
		"star": {"all(range(1, 1 << 40))", "set(range(1 << 40))", "max(range(1 << 40))"},
		"js": {"new Array(2 ** 32 - 1).fill(0)", "/^(a+)+(?=b)/.test('a'.repeat(40) + '!')",
			"Array.prototype.indexOf.call({length: 2 ** 53 - 1}, 1)",
			"Array.prototype.reverse.call({length: 2 ** 53 - 1})",
			"new Set(new Array(2 ** 30).keys())"},
	}
	for _, lang := range languages {
		for _, step := range loops[lang.ext] {
			t.Run(lang.ext+"/"+step, func(t *testing.T) {
				fn := loadOne(t, lang.ext, "loop", oneStepScript(lang.ext, step), nil)
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				done := make(chan error, 1)
				go func() { done <- callErr(ctx, fn) }()
				select {
				case err := <-done:
					if err == nil {
						t.Fatal("the loop ended without an error")
					}
				case <-time.After(time.Minute): // the loop alone would run for hours
					t.Fatal("the call still runs a minute after its deadline")
				}
			})
		}
	}
}

// TestDeeplyNestedValuesAreRefused checks the built-ins that walk a value
// or a source recursively in Go: a value nested millions of levels deep
// would grow the Go stack past its maximum, a fatal error that ends the
// process. Past a depth they fail with an error instead
// (third_party/patches).
func TestDeeplyNestedValuesAreRefused(t *testing.T) {
	steps := map[string][]struct{ step, want string }{
		"star": {
			{"str(deep)", `text of a value: nested more than 1000 levels deep`},
			{"json.encode(deep)", `json.encode: nested more than 1000 levels deep`},
			{"json.decode('[' * 2000 + ']' * 2000)", `json.decode: at offset 1000, nested more than 1000 levels deep`},
		},
		"js": {
			{"String(deep)", `RangeError: Maximum call stack size exceeded: a value nested more than 10000 levels deep`},
			{"deep.flat(Infinity)", `RangeError: Maximum call stack size exceeded: a value nested more than 10000 levels deep`},
			{"JSON.parse('['.repeat(20000) + ']'.repeat(20000))", `RangeError: Maximum call stack size exceeded: a value nested more than 10000 levels deep`},
			{"new Function('return ' + '('.repeat(6000) + '1' + ')'.repeat(6000))", `SyntaxError: .*excessive nesting \(more than 5000 levels\)`},
		},
	}
	build := map[string]string{
		"star": "deep = []\n    for i in range(20000):\n        deep = [deep]\n    ",
		"js":   "let deep = []; for (let i = 0; i < 20000; i++) deep = [deep];\n  ",
	}
	for _, lang := range languages {
		for _, tc := range steps[lang.ext] {
			t.Run(lang.ext+"/"+tc.step, func(t *testing.T) {
				err := callErr(context.Background(), loadOne(t, lang.ext, "deep", oneStepScript(lang.ext, build[lang.ext]+tc.step), nil))
				if err == nil {
					t.Fatal("no error")
				}
				if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
					t.Errorf("error %q\nwant %q", err, tc.want)
				}
			})
		}
	}
}
