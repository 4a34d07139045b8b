package conformance_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/flexfun-script/flexfun-script/engine"
)

// oneStepBenchLoops is the number of iterations of each benchmark loop.
const oneStepBenchLoops = 1_000_000

// oneStepBenchScripts loop over the steps the value bound checks: string
// concatenation, formatting, list or array growth, iterating a range.
var oneStepBenchScripts = map[string]string{
	"star": fmt.Sprintf(`schema = {"n": "int64"}
def call():
    kept = []
    for i in range(%d):
        s = "name_" + str(i)
        kept.append("%%s:%%d" %% (s, i))
    emit(len(kept))
`, oneStepBenchLoops),
	"js": fmt.Sprintf(`const schema = {n: "int64"};
function call() {
  const kept = [];
  for (let i = 0; i < %d; i++) {
    const s = "name_" + i;
    kept.push(`+"`${s}:${i}`"+`);
  }
  emit(kept.length);
}
`, oneStepBenchLoops),
}

// BenchmarkOneStepBound runs a loop of the steps the value bound checks,
// with no bound (the interpreters' upstream paths but for one atomic load
// per check) and with the bound a 1 GiB memory_limit sets: the difference
// is what the checks cost. ns/step is per loop iteration.
func BenchmarkOneStepBound(b *testing.B) {
	for _, lang := range languages {
		for _, bound := range []int64{0, 128 << 20} {
			b.Run(fmt.Sprintf("%s/bound=%d", lang.ext, bound), func(b *testing.B) {
				fn := loadOne(b, lang.ext, "loop", oneStepBenchScripts[lang.ext], func(o *engine.Options) { o.MaxValueBytes = bound })
				for b.Loop() {
					if err := callErr(context.Background(), fn); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/oneStepBenchLoops, "ns/step")
			})
		}
	}
}
