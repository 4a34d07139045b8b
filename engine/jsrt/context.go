package jsrt

import (
	"sync/atomic"

	"github.com/dop251/goja"
)

// newContext returns the ctx argument of call and on_load:
//
//	ctx.function     the function's name
//	ctx.settings     the merged server configuration, read-only
//	ctx.state        what on_load returned, read-only; null without on_load
//	ctx.cancelled()  true once the server has abandoned the call
//
// ctx is frozen: setting a property throws.
func (v *vm) newContext(function string, settings, state any, cancelled *atomic.Bool) *goja.Object {
	return v.lazy([]string{"function", "settings", "state", "cancelled"}, "ctx", func(key string) goja.Value {
		switch key {
		case "function":
			return v.rt.ToValue(function)
		case "settings":
			return v.view(settings, "ctx.settings")
		case "state":
			return v.view(state, "ctx.state")
		}
		return v.native("cancelled", func(goja.FunctionCall) goja.Value {
			return v.rt.ToValue(cancelled.Load())
		})
	})
}
