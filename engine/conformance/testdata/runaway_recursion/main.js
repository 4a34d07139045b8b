const schema = {v: "int64"};
function down(n) {
  return down(n + 1);
}
function call() {
  emit(down(0));
}
// want-error: RangeError: Maximum call stack size exceeded: maximum call depth of 1000 exceeded ([flexfun] max_call_depth)
