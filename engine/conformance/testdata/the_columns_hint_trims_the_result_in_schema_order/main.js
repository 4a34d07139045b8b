const schema = {a: "int64", b: "string", c: "bool"};
function call(p, columns) { emit(1, "x", true); }
