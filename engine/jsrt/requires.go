package jsrt

import (
	"reflect"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
)

// requireCall is a require("literal") found in a file.
type requireCall struct {
	spec string   // the string literal
	at   file.Idx // where the call starts, for error positions
}

// findRequires returns every call require("...") with a string literal
// argument in prg, in source order, so that the helpers a file uses are
// compiled (and checked) with it, wherever the calls are: at top level or
// inside functions.
func findRequires(prg *ast.Program) []requireCall {
	var found []requireCall
	walkAST(reflect.ValueOf(prg), func(n ast.Node) {
		call, ok := n.(*ast.CallExpression)
		if !ok || len(call.ArgumentList) != 1 {
			return
		}
		callee, ok := call.Callee.(*ast.Identifier)
		if !ok || callee.Name != "require" {
			return
		}
		if lit, ok := call.ArgumentList[0].(*ast.StringLiteral); ok {
			found = append(found, requireCall{spec: lit.Value.String(), at: call.Idx0()})
		}
	})
	return found
}

// astPkg is the import path of goja's AST package: the walk descends only
// into its types.
var astPkg = reflect.TypeFor[ast.Program]().PkgPath()

// walkAST calls visit for every AST node reachable from v, parents first and
// children in field order (which is source order). goja's AST has no walker
// of its own; its nodes are plain structs, pointers, slices and interfaces
// without back references, so reflection finds every child once.
func walkAST(v reflect.Value, visit func(ast.Node)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkAST(v.Elem(), visit)
		}
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() != astPkg {
			return
		}
		if n, ok := v.Interface().(ast.Node); ok {
			visit(n)
		}
		walkAST(v.Elem(), visit)
	case reflect.Struct:
		if v.Type().PkgPath() != astPkg {
			return
		}
		for i := range v.NumField() {
			// DeclarationList repeats the var declarations of the body.
			if f := v.Type().Field(i); f.IsExported() && f.Name != "DeclarationList" {
				walkAST(v.Field(i), visit)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkAST(v.Index(i), visit)
		}
	}
}
