const schema = {id: "int64", name: "string"};
function call(p, c, h) { return [[1, "a"], [2, null]]; }
