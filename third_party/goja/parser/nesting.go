package parser

// flexfun-script patch: a bound on the nesting of a program.
//
// The parser descends recursively: a source nested a few million levels
// deep ("[[[[…", "((((…") grows the goroutine's stack past Go's maximum,
// a fatal error that no recover can catch, and a script can build such a
// source for new Function or eval at run time. Past maxNesting levels of
// statements or expressions, parsing stops with "excessive nesting", as
// go.starlark.net's parser does at 1,000.

import (
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

// maxNesting bounds how deep statements and expressions may nest; far
// above what code written or bundled by tools needs.
const maxNesting = 5000

// enter counts one more level of nesting and reports whether it is one
// too many: the parser then records the error, skips to the end of the
// source and must not descend (nor call leave).
func (self *_parser) enter() bool {
	self.depth++
	if self.depth <= maxNesting {
		return false
	}
	self.depth--
	if !self.tooDeep {
		self.tooDeep = true
		self.error(self.idx, "excessive nesting (more than %d levels)", maxNesting)
	}
	self.offset = self.length
	self.read()
	self.token = token.EOF
	return true
}

// leave ends a level of nesting enter counted.
func (self *_parser) leave() { self.depth-- }

// badExpression stands for an expression not parsed for its nesting.
func (self *_parser) badExpression() ast.Expression {
	return &ast.BadExpression{From: self.idx, To: self.idx + 1}
}

// badStatement stands for a statement not parsed for its nesting.
func (self *_parser) badStatement() ast.Statement {
	return &ast.BadStatement{From: self.idx, To: self.idx + 1}
}
